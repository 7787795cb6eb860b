"""LossService.ComputeLoss end to end against the packaged full server (one server for the class).

* DPO and GRPO batches of ``loss-vectors.json`` in float64: loss, metrics and per-sample outputs match the
  reference numbers, and loss and gradients match the same formula computed here with torch autograd.
* One optimisation step of a tiny PyTorch policy driven by the returned gradients
  (``logps.backward(grad)``, ``optimizer.step()``) lowers the DPO loss and moves the parameters exactly as
  pure-torch DPO autograd does.

Needs Debian's ``python3-torch`` (run with ``/usr/bin/python3``). The reference vectors come from
``$PLUMBLINE_REFERENCE_DIR`` (default ``<repo>/../shared/reference``).
"""

import copy
import json
import os
import unittest
from pathlib import Path

import support

from plumbline_client import Client, pb

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

REFERENCE_DIR = Path(os.environ.get("PLUMBLINE_REFERENCE_DIR") or support.REPO.parent / "shared" / "reference")
VECTORS = REFERENCE_DIR / "loss-vectors.json"

# The reference numbers carry 10 decimals; algorithms.md suggests 1e-8 * max(1, |x|).
REFERENCE_TOL = 1e-8
# Server (DJL/libtorch) against torch autograd in this process: same float64 formula, different op order.
AUTOGRAD_TOL = 1e-10


def _load_cases():
    if not VECTORS.is_file():
        return None
    with open(VECTORS, encoding="utf-8") as f:
        return {c["id"]: c for c in json.load(f)["cases"]}


def parameter_value(value):
    if isinstance(value, bool):  # before int: bool is an int
        return pb.ParameterValue(bool_value=value)
    if isinstance(value, int):
        return pb.ParameterValue(integer_value=value)
    if isinstance(value, float):
        return pb.ParameterValue(number_value=value)
    if isinstance(value, str):
        return pb.ParameterValue(string_value=value)
    raise TypeError(f"unsupported parameter value {value!r}")


def named_tensor(name, tensor):
    """A float64 NamedTensor from anything torch.as_tensor accepts (nested lists, tensors)."""
    t = torch.as_tensor(tensor, dtype=torch.float64).detach()
    return pb.NamedTensor(name=name, shape=list(t.shape), double_values=t.reshape(-1).tolist())


def to_torch(named):
    values = named.double_values if len(named.double_values) else named.float_values
    return torch.tensor(list(values), dtype=torch.float64).reshape(list(named.shape))


# ------------------------------------------------------------------ the formulas, in torch (TRL's code)

def torch_dpo_sigmoid(pc, pr, rc, rr, beta):
    """TRL DPOTrainer._compute_loss, loss_type=sigmoid, f_divergence reverse_kl, no label smoothing."""
    chosen_logratios, rejected_logratios = pc - rc, pr - rr
    per_pair = -torch.nn.functional.logsigmoid(beta * (chosen_logratios - rejected_logratios))
    chosen_rewards, rejected_rewards = beta * chosen_logratios.detach(), beta * rejected_logratios.detach()
    metrics = {
        "rewards/chosen": chosen_rewards.mean().item(),
        "rewards/rejected": rejected_rewards.mean().item(),
        "rewards/accuracies": (chosen_rewards > rejected_rewards).double().mean().item(),
        "rewards/margins": (chosen_rewards - rejected_rewards).mean().item(),
        "logps/chosen": pc.detach().mean().item(),
        "logps/rejected": pr.detach().mean().item(),
    }
    outputs = {"per_pair_loss": per_pair.detach(), "chosen_rewards": chosen_rewards,
               "rejected_rewards": rejected_rewards}
    return per_pair.mean(), metrics, outputs


def torch_grpo_token_loss(logps, old, ref, mask, advantages, params):
    """TRL GRPOTrainer._compute_loss, importance_sampling_level=token, k3 KL (one process)."""
    beta, eps_low = params["beta"], params["epsilon"]
    eps_high = params.get("epsilon_high") or eps_low
    a = advantages.unsqueeze(1)
    coef_1 = torch.exp(logps - old)
    coef_2 = torch.clamp(coef_1, 1 - eps_low, 1 + eps_high)
    per_token = -torch.min(coef_1 * a, coef_2 * a)
    kl = torch.exp(ref - logps) - (ref - logps) - 1
    if beta != 0.0:
        per_token = per_token + beta * kl
    loss_type = params["loss_type"]
    ga = params.get("gradient_accumulation_steps", 1)
    if loss_type == "grpo":
        loss = ((per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean() / ga
    elif loss_type == "bnpo":
        loss = (per_token * mask).sum() / mask.sum().clamp(min=1.0) / ga
    elif loss_type == "dr_grpo":
        loss = (per_token * mask).sum() / (logps.size(0) * params["max_completion_length"]) / ga
    elif loss_type == "dapo":
        loss = (per_token * mask).sum() / (params["num_items_in_batch"] / params["num_processes"])
    else:
        raise AssertionError(loss_type)
    tokens = mask.sum()
    low = ((coef_1 < 1 - eps_low) & (a < 0)).double()
    high = ((coef_1 > 1 + eps_high) & (a > 0)).double()
    metrics = {
        "clip_ratio/low_mean": ((low * mask).sum() / tokens).item(),
        "clip_ratio/high_mean": ((high * mask).sum() / tokens).item(),
    }
    metrics["clip_ratio/region_mean"] = metrics["clip_ratio/low_mean"] + metrics["clip_ratio/high_mean"]
    if beta != 0.0:
        metrics["kl"] = ((kl.detach() * mask).sum() / tokens).item()
    return loss, metrics, (per_token * mask).detach()


class TinyPolicy(torch.nn.Module if torch else object):
    """Embedding -> tanh -> linear over a 13-token vocabulary: per-sequence completion log-probs."""

    def __init__(self, vocab=13, dim=8):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, dim)
        self.proj = torch.nn.Linear(dim, vocab)

    def forward(self, tokens, completion_mask):
        # Position t predicts token t from token t-1 (shifted, as every causal LM); prompt/padding masked.
        logits = self.proj(torch.tanh(self.embed(tokens[:, :-1])))
        token_logps = torch.log_softmax(logits, dim=-1).gather(-1, tokens[:, 1:].unsqueeze(-1)).squeeze(-1)
        return (token_logps * completion_mask[:, 1:]).sum(-1)


class ComputeLossTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if torch is None:
            raise unittest.SkipTest("torch not importable: install Debian's python3-torch and run /usr/bin/python3")
        cls.cases = _load_cases()
        if cls.cases is None:
            raise unittest.SkipTest(f"reference vectors not found at {VECTORS}: set PLUMBLINE_REFERENCE_DIR to the"
                                    f" directory holding loss-vectors.json")
        support.require_jar(support.APP_JAR, "full server")
        torch.manual_seed(0)
        cls.server = support.ServerProcess(support.APP_JAR, name="loss").start()
        cls.client = Client("127.0.0.1", cls.server.port)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.stop()

    # ---------------------------------------------------------------------------------- helpers

    def compute(self, algorithm, params, tensors, want_gradients=True):
        request = pb.ComputeLossRequest(
            algorithm=algorithm, dtype=pb.DTYPE_FLOAT64, want_gradients=want_gradients,
            parameters={k: parameter_value(v) for k, v in params.items()},
            tensors=[named_tensor(name, t) for name, t in tensors.items()])
        return self.client.loss.ComputeLoss(request, timeout=60)

    def assertClose(self, what, actual, expected, tol):
        actual = torch.as_tensor(actual, dtype=torch.float64)
        expected = torch.as_tensor(expected, dtype=torch.float64)
        self.assertEqual(tuple(expected.shape), tuple(actual.shape), what)
        bound = tol * torch.clamp(expected.abs(), min=1.0)
        worst = ((actual - expected).abs() - bound).max().item() if expected.numel() else -1.0
        self.assertLessEqual(worst, 0.0, f"{what}: got {actual.tolist()}, expected {expected.tolist()}")

    def assertMetrics(self, what, actual, expected, tol):
        for key, value in expected.items():
            self.assertIn(key, actual, f"{what}: metric {key} missing from {sorted(actual)}")
            self.assertClose(f"{what} metric {key}", actual[key], value, tol)

    def case(self, case_id):
        self.assertIn(case_id, self.cases, f"{VECTORS} has no case {case_id}")
        return self.cases[case_id]

    # ---------------------------------------------------------------------------------- DPO

    def test_dpo_batch_matches_reference_and_autograd(self):
        for case_id in ("dpo/sigmoid", "dpo/sigmoid/extreme_inputs"):
            with self.subTest(case=case_id):
                c = self.case(case_id)
                x, expected = c["inputs"], c["expected"]
                beta = c["params"]["beta"]
                response = self.compute("dpo", {"beta": beta, "loss_type": "sigmoid"}, {
                    "policy_chosen_logps": x["policy_chosen"], "policy_rejected_logps": x["policy_rejected"],
                    "reference_chosen_logps": x["ref_chosen"], "reference_rejected_logps": x["ref_rejected"]})
                outputs = {o.name: to_torch(o) for o in response.outputs}
                gradients = {g.name: to_torch(g) for g in response.gradients}

                # Reference numbers.
                self.assertClose(f"{case_id} loss", response.loss, expected["loss"], REFERENCE_TOL)
                self.assertClose(f"{case_id} per_pair_loss", outputs["per_pair_loss"], expected["per_pair_loss"],
                                 REFERENCE_TOL)
                self.assertMetrics(case_id, dict(response.metrics), expected.get("metrics", {}), REFERENCE_TOL)

                # The same formula with torch autograd.
                pc = torch.tensor(x["policy_chosen"], dtype=torch.float64, requires_grad=True)
                pr = torch.tensor(x["policy_rejected"], dtype=torch.float64, requires_grad=True)
                rc = torch.tensor(x["ref_chosen"], dtype=torch.float64)
                rr = torch.tensor(x["ref_rejected"], dtype=torch.float64)
                loss, metrics, torch_outputs = torch_dpo_sigmoid(pc, pr, rc, rr, beta)
                loss.backward()
                self.assertClose(f"{case_id} loss vs torch", response.loss, loss.item(), AUTOGRAD_TOL)
                self.assertMetrics(f"{case_id} vs torch", dict(response.metrics), metrics, AUTOGRAD_TOL)
                for name, value in torch_outputs.items():
                    self.assertClose(f"{case_id} {name} vs torch", outputs[name], value, AUTOGRAD_TOL)
                # Gradients only for the differentiable inputs, same names and shapes.
                self.assertEqual({"policy_chosen_logps", "policy_rejected_logps"}, set(gradients))
                self.assertClose(f"{case_id} d/d policy_chosen_logps", gradients["policy_chosen_logps"], pc.grad,
                                 AUTOGRAD_TOL)
                self.assertClose(f"{case_id} d/d policy_rejected_logps", gradients["policy_rejected_logps"],
                                 pr.grad, AUTOGRAD_TOL)
                self.assertTrue(all(torch.isfinite(g).all() for g in gradients.values()))

    # ---------------------------------------------------------------------------------- GRPO

    def test_grpo_batch_matches_reference_and_autograd(self):
        ids = [i for i in self.cases if i.startswith("grpo_loss/")]
        self.assertTrue(any("beta=0.04/loss_type=dapo" in i for i in ids), ids)
        for case_id in ids:
            with self.subTest(case=case_id):
                c = self.case(case_id)
                x, expected, params = c["inputs"], c["expected"], c["params"]
                self.assertEqual("token", params["importance_sampling_level"])
                response = self.compute("grpo", params, {
                    "logps": x["per_token_logps"], "old_logps": x["old_per_token_logps"],
                    "ref_logps": x["ref_per_token_logps"], "mask": x["mask"], "advantages": x["advantages"]})
                outputs = {o.name: to_torch(o) for o in response.outputs}
                gradients = {g.name: to_torch(g) for g in response.gradients}
                metrics = dict(response.metrics)

                self.assertClose(f"{case_id} loss", response.loss, expected["loss"], REFERENCE_TOL)
                self.assertMetrics(case_id, metrics, expected["metrics"], REFERENCE_TOL)
                self.assertClose(f"{case_id} per_token_loss", outputs["per_token_loss"],
                                 expected["per_token_loss_masked"], REFERENCE_TOL)
                self.assertClose(f"{case_id} per_sequence_loss", outputs["per_sequence_loss"],
                                 expected["per_sequence_mean_loss"], REFERENCE_TOL)
                if params["beta"] == 0.0:
                    self.assertNotIn("kl", metrics, "no kl metric when beta == 0 (TRL #4040)")

                logps = torch.tensor(x["per_token_logps"], dtype=torch.float64, requires_grad=True)
                loss, torch_metrics, per_token = torch_grpo_token_loss(
                    logps, torch.tensor(x["old_per_token_logps"], dtype=torch.float64),
                    torch.tensor(x["ref_per_token_logps"], dtype=torch.float64),
                    torch.tensor(x["mask"], dtype=torch.float64),
                    torch.tensor(x["advantages"], dtype=torch.float64), params)
                loss.backward()
                self.assertClose(f"{case_id} loss vs torch", response.loss, loss.item(), AUTOGRAD_TOL)
                self.assertMetrics(f"{case_id} vs torch", metrics, torch_metrics, AUTOGRAD_TOL)
                self.assertClose(f"{case_id} per_token_loss vs torch", outputs["per_token_loss"], per_token,
                                 AUTOGRAD_TOL)
                self.assertEqual({"logps"}, set(gradients), "constants (old/ref log-probs, mask, advantages)"
                                                            " get no gradient")
                self.assertClose(f"{case_id} d/d logps", gradients["logps"], logps.grad, AUTOGRAD_TOL)
                # Padding positions get exactly zero gradient.
                padding = torch.tensor(x["mask"], dtype=torch.float64) == 0
                self.assertTrue(bool((gradients["logps"][padding] == 0).all()), case_id)

    # ---------------------------------------------------------------------------------- one training step

    def test_gradient_drives_one_optimizer_step_like_pure_torch_dpo(self):
        beta, lr, pairs, length, prompt = 0.5, 0.05, 6, 9, 3
        g = torch.Generator().manual_seed(1234)
        torch.manual_seed(7)
        policy = TinyPolicy().double()
        twin = copy.deepcopy(policy)  # trained with pure-torch DPO autograd
        reference = TinyPolicy().double().requires_grad_(False)  # a different, frozen model

        # Chosen rows then rejected rows (TRL's concatenated forward); prompt tokens shared per pair.
        prompts = torch.randint(0, 13, (pairs, prompt), generator=g)
        completions = torch.randint(0, 13, (2 * pairs, length - prompt), generator=g)
        tokens = torch.cat([prompts.repeat(2, 1), completions], dim=1)
        completion_lengths = torch.randint(2, length - prompt + 1, (2 * pairs,), generator=g)
        positions = torch.arange(length).unsqueeze(0)
        mask = ((positions >= prompt) & (positions < prompt + completion_lengths.unsqueeze(1))).double()
        with torch.no_grad():
            ref_logps = reference(tokens, mask)

        def dpo_request(logps, want_gradients=True):
            return self.compute("dpo", {"beta": beta}, {
                "policy_chosen_logps": logps[:pairs], "policy_rejected_logps": logps[pairs:],
                "reference_chosen_logps": ref_logps[:pairs], "reference_rejected_logps": ref_logps[pairs:]},
                want_gradients)

        # Plumbline computes the loss and d loss / d logps; torch backpropagates it into the model.
        initial = [p.detach().clone() for p in policy.parameters()]
        optimizer = torch.optim.SGD(policy.parameters(), lr=lr)
        optimizer.zero_grad()
        logps = policy(tokens, mask)
        response = dpo_request(logps.detach())
        gradients = {t.name: to_torch(t) for t in response.gradients}
        grad = torch.cat([gradients["policy_chosen_logps"], gradients["policy_rejected_logps"]])
        logps.backward(grad)
        optimizer.step()

        # The same step with pure-torch DPO autograd.
        twin_optimizer = torch.optim.SGD(twin.parameters(), lr=lr)
        twin_optimizer.zero_grad()
        twin_logps = twin(tokens, mask)
        twin_logps.retain_grad()
        twin_loss, _, _ = torch_dpo_sigmoid(twin_logps[:pairs], twin_logps[pairs:], ref_logps[:pairs],
                                            ref_logps[pairs:], beta)
        twin_loss.backward()
        twin_optimizer.step()

        self.assertClose("loss before the step vs torch", response.loss, twin_loss.item(), AUTOGRAD_TOL)
        self.assertClose("d loss / d logps vs torch", grad, twin_logps.grad, AUTOGRAD_TOL)
        moved = 0.0
        for (name, p), q, p0 in zip(policy.named_parameters(), twin.parameters(), initial):
            self.assertClose(f"updated {name} vs pure-torch DPO", p.detach(), q.detach(), 1e-6)
            moved = max(moved, (p.detach() - p0).abs().max().item())
        self.assertGreater(moved, 1e-4, "the step must actually move the parameters")

        with torch.no_grad():
            after = dpo_request(policy(tokens, mask), want_gradients=False)
        self.assertEqual(0, len(after.gradients), "no gradients unless asked for")
        self.assertLess(after.loss, response.loss, "one SGD step on the ComputeLoss gradient lowers the DPO loss")


if __name__ == "__main__":
    unittest.main()
