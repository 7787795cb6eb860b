"""Crash resume of a training run: a DPO run on a tiny Llama is started on the packaged server,
the JVM is ``kill -9``-ed once WatchRun shows a checkpoint was saved, the server restarts on the
same data directory, and the run continues from its last checkpoint (weights, optimizer and
trainer state; the RNG is a function of the seed and the step) to the end. The same request run
uninterrupted (same seed, another output) must end with byte-identical weights and the same
log history. Also: ``./plumbline train`` through the launcher, with its one-line bad-input error.

The tiny base checkpoint is written here with numpy in the Hugging Face layout the server reads
(config.json, model.safetensors, a tokenizer_config.json selecting Plumbline's byte tokenizer)."""

import json
import os
import signal
import struct
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import support

from plumbline_client import Client, parameter_values, pb

TERMINAL = {pb.RUN_STATE_SUCCEEDED, pb.RUN_STATE_FAILED, pb.RUN_STATE_CANCELLED}
BASE = "tiny-base"
STEPS = 24
SAVE_STEPS = 4

# Plumbline's byte tokenizer: 256 byte ids, then <pad>=256, <s>=257, </s>=258 and four chat tokens.
VOCAB = 263
PAD_ID, BOS_ID, EOS_ID = 256, 257, 258

PAIRS = [
    ("Capital of France?", "Paris", "Berlin"),
    ("Capital of Japan?", "Tokyo", "Lima"),
    ("Capital of Peru?", "Lima", "Rome"),
    ("Capital of Kenya?", "Nairobi", "Cairo"),
    ("Capital of Italy?", "Rome", "Madrid"),
    ("Capital of Egypt?", "Cairo", "Tokyo"),
    ("Capital of Chile?", "Santiago", "Paris"),
    ("Capital of Spain?", "Madrid", "Nairobi"),
]


def write_safetensors(path: Path, tensors) -> None:
    """float32 tensors in the safetensors layout: u64 header length, JSON header, raw data."""
    import numpy as np

    header, chunks, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for c in chunks:
            f.write(c)


def write_tiny_llama(directory: Path, seed: int = 11, hidden: int = 32, intermediate: int = 64, layers: int = 2,
                     heads: int = 4, kv_heads: int = 2) -> None:
    """A randomly initialised Llama (normal(0, 0.02) weights, unit norms) with the byte tokenizer."""
    try:
        import numpy as np
    except ImportError:
        raise unittest.SkipTest("python3-numpy is not installed (apt-get install python3-numpy)")
    directory.mkdir(parents=True, exist_ok=True)
    head_dim = hidden // heads
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": VOCAB, "hidden_size": hidden,
        "intermediate_size": intermediate, "num_hidden_layers": layers, "num_attention_heads": heads,
        "num_key_value_heads": kv_heads, "head_dim": head_dim, "max_position_embeddings": 256,
        "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": False, "hidden_act": "silu",
        "bos_token_id": BOS_ID, "eos_token_id": EOS_ID, "pad_token_id": PAD_ID, "initializer_range": 0.02,
        "torch_dtype": "float32",
    }
    (directory / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (directory / "tokenizer_config.json").write_text(json.dumps({
        "plumbline_byte_tokenizer": True, "tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>",
        "eos_token": "</s>", "pad_token": "<pad>", "add_bos_token": True}, indent=2) + "\n", encoding="utf-8")
    rng = np.random.default_rng(seed)

    def normal(*shape):
        return rng.normal(0.0, 0.02, size=shape).astype(np.float32)

    tensors = {"model.embed_tokens.weight": normal(VOCAB, hidden)}
    for i in range(layers):
        p = f"model.layers.{i}."
        tensors[p + "self_attn.q_proj.weight"] = normal(heads * head_dim, hidden)
        tensors[p + "self_attn.k_proj.weight"] = normal(kv_heads * head_dim, hidden)
        tensors[p + "self_attn.v_proj.weight"] = normal(kv_heads * head_dim, hidden)
        tensors[p + "self_attn.o_proj.weight"] = normal(hidden, heads * head_dim)
        tensors[p + "mlp.gate_proj.weight"] = normal(intermediate, hidden)
        tensors[p + "mlp.up_proj.weight"] = normal(intermediate, hidden)
        tensors[p + "mlp.down_proj.weight"] = normal(hidden, intermediate)
        tensors[p + "input_layernorm.weight"] = np.ones(hidden, dtype=np.float32)
        tensors[p + "post_attention_layernorm.weight"] = np.ones(hidden, dtype=np.float32)
    tensors["model.norm.weight"] = np.ones(hidden, dtype=np.float32)
    tensors["lm_head.weight"] = normal(VOCAB, hidden)
    write_safetensors(directory / "model.safetensors", tensors)


def write_dpo_dataset(path: Path) -> Path:
    path.write_text("".join(json.dumps({"prompt": p, "chosen": c, "rejected": r}) + "\n" for p, c, r in PAIRS),
                    encoding="utf-8")
    return path


def dpo_request(dataset: Path, output: str) -> pb.StartTrainingRequest:
    return pb.StartTrainingRequest(
        algorithm="dpo", parameters=parameter_values(beta=0.1), base_model=BASE, dataset=str(dataset), seed=7,
        output=output, name=output,
        trainer=parameter_values(learning_rate=1e-3, per_device_train_batch_size=2, max_steps=STEPS,
                                 logging_steps=1, save_steps=SAVE_STEPS))


def wait_terminal(client: Client, run_id: str, timeout: float = 300) -> pb.Run:
    deadline = time.monotonic() + timeout
    while True:
        run = client.training.GetRun(pb.TrainingServiceGetRunRequest(run_id=run_id), timeout=30).run
        if run.state in TERMINAL or time.monotonic() > deadline:
            return run
        time.sleep(0.25)


class TrainingResumeTest(unittest.TestCase):

    def setUp(self):
        support.require_jar(support.APP_JAR, "full server")
        self.first = support.ServerProcess(support.APP_JAR, name="train-crash")
        self.second = None

    def tearDown(self):
        if self.second is not None:
            self.second.stop()
        self.first.stop()

    def test_kill_9_mid_run_then_restart_ends_with_the_weights_of_an_uninterrupted_run(self):
        models = self.first.data_dir / "models"
        write_tiny_llama(models / BASE)
        dataset = write_dpo_dataset(self.first.workdir / "pairs.jsonl")
        self.first.start()

        with Client("127.0.0.1", self.first.port) as client:
            run = client.training.StartTraining(dpo_request(dataset, "dpo-resumed"), timeout=60).run
            self.assertEqual(run.progress_total, STEPS)
            run_id = run.id
            saved = None
            for response in client.training.WatchRun(pb.TrainingServiceWatchRunRequest(run_id=run_id), timeout=300):
                event = response.event
                if event.type == pb.RUN_EVENT_TYPE_LOG and event.message.startswith("saved checkpoint"):
                    saved = event.message
                    break
                if event.type == pb.RUN_EVENT_TYPE_STATE and event.state in TERMINAL:
                    self.fail(f"run ended ({pb.RunState.Name(event.state)}) before it could be killed: {event.message}")
        self.assertIsNotNone(saved)
        self.first.kill_hard()
        self.assertFalse((models / "dpo-resumed" / "model.safetensors").exists(),
                         "the run must still be going when it is killed")
        checkpoints = sorted(p.name for p in (models / "dpo-resumed").glob("checkpoint-*"))
        self.assertTrue(checkpoints, "a checkpoint survived the kill")

        self.second = support.ServerProcess(support.APP_JAR, name="train-resume")
        self.second.data_dir = self.first.data_dir
        self.second.start()
        with Client("127.0.0.1", self.second.port) as client:
            run = wait_terminal(client, run_id)
            self.assertEqual(run.state, pb.RUN_STATE_SUCCEEDED,
                             f"{pb.RunState.Name(run.state)}: {run.error}\n" + self.second.log_tail())
            self.assertEqual(run.progress_done, STEPS)
            events = [r.event for r in client.training.WatchRun(
                pb.TrainingServiceWatchRunRequest(run_id=run_id), timeout=60)]
            self.assertEqual([e.sequence for e in events], list(range(1, len(events) + 1)), "event sequence has gaps")
            requeued = [e.message for e in events if e.state == pb.RUN_STATE_QUEUED and "re-queued" in e.message]
            self.assertTrue(requeued, "the restarted server re-queued the run")
            resumed = [e.message for e in events if e.type == pb.RUN_EVENT_TYPE_LOG and e.message.startswith("resumed from")]
            self.assertEqual(len(resumed), 1, resumed)
            self.assertIn("weights, optimizer and trainer state restored", resumed[0])
            resumed_step = int(resumed[0].split("(step ")[1].split(" ")[0])
            self.assertGreaterEqual(resumed_step, SAVE_STEPS)
            self.assertLess(resumed_step, STEPS)
            self.assertIn(f"checkpoint-{resumed_step}", requeued[0])

            straight = client.training.StartTraining(dpo_request(dataset, "dpo-straight"), timeout=60).run
            done = wait_terminal(client, straight.id)
            self.assertEqual(done.state, pb.RUN_STATE_SUCCEEDED, f"{done.error}\n" + self.second.log_tail())

            listed = {m.id for m in client.models.ListModels(pb.ListModelsRequest(provider="local"), timeout=30).models}
            self.assertTrue({"dpo-resumed", "dpo-straight"} <= listed, listed)

        resumed_weights = (models / "dpo-resumed" / "model.safetensors").read_bytes()
        straight_weights = (models / "dpo-straight" / "model.safetensors").read_bytes()
        self.assertEqual(len(resumed_weights), len(straight_weights))
        self.assertTrue(resumed_weights == straight_weights,
                        "a run resumed after kill -9 must end with the weights of an uninterrupted run")
        base_weights = (models / BASE / "model.safetensors").read_bytes()
        self.assertNotEqual(resumed_weights[-4096:], base_weights[-4096:], "training changed the weights")

        resumed_state = json.loads((models / "dpo-resumed" / "trainer_state.json").read_text(encoding="utf-8"))
        straight_state = json.loads((models / "dpo-straight" / "trainer_state.json").read_text(encoding="utf-8"))
        self.assertEqual(resumed_state["global_step"], STEPS)
        self.assertEqual(resumed_state["log_history"][-1], straight_state["log_history"][-1])
        self.assertEqual(resumed_state["log_history"], straight_state["log_history"])
        self.assertEqual([e["step"] for e in resumed_state["log_history"]], list(range(1, STEPS + 1)))


class TrainCliTest(unittest.TestCase):

    def test_plumbline_train_shows_progress_and_a_summary_and_bad_input_is_exit_2(self):
        with tempfile.TemporaryDirectory(prefix="plumbline-train-cli-") as tmp:
            data = Path(tmp) / "data"
            write_tiny_llama(data / "models" / BASE)
            dataset = write_dpo_dataset(Path(tmp) / "pairs.jsonl")
            code, out, err = support.run_cli(data, "train", "--algorithm", "dpo", "--base-model", BASE, "--dataset", str(dataset),
                                     "--param", "beta=0.1", "--trainer", "learning_rate=1e-3", "--trainer", "max_steps=4",
                                     "--trainer", "per_device_train_batch_size=2", "--trainer", "logging_steps=2",
                                     "--seed", "3", "--output", "cli-dpo")
            self.assertEqual(0, code, out + err[-3000:])
            self.assertIn("dpo: step 4/4 (100%) loss=", out)
            self.assertIn("rewards/accuracies=", out)
            self.assertIn(": SUCCEEDED", out)
            self.assertIn("model cli-dpo", out)
            self.assertTrue((data / "models" / "cli-dpo" / "model.safetensors").is_file())

            bad = Path(tmp) / "bad.jsonl"
            bad.write_text('{"prompt": "p", "chosen": "c"}\n', encoding="utf-8")
            code, out, err = support.run_cli(data, "train", "--algorithm", "dpo", "--base-model", BASE, "--dataset", str(bad),
                                     "--output", "cli-bad")
            self.assertEqual(2, code, out + err)
            self.assertIn(f"{bad}:1 rejected", err)
            self.assertNotIn("Exception", err)


if __name__ == "__main__":
    unittest.main()
