"""``./plumbline demo --quick`` end to end (issue 8): the launcher runs the whole demo on a fresh data
directory — task, SFT base, preference data, ten training runs, three evaluation runs, leaderboards
and the HTML report — then ``serve`` on the same directory must show all of it over gRPC and HTTP.

Asserted: every algorithm's training run succeeded; every model (base + 10 aligned) is in every
suite's results and in the report; on demo-harmlessness the aligned models of DPO, KTO, PPO and GRPO
beat the base with non-overlapping 95% intervals. The other algorithms' results are reported by the
demo as they are (better, overlapping, or worse with a reason) and are not asserted here."""

import json
import tempfile
import unittest
import urllib.request
from pathlib import Path

import support

from plumbline_client import Client, pb

ALGORITHMS = ["dpo", "ipo", "kto", "orpo", "simpo", "ppo", "grpo", "rloo", "sppo", "nash-md"]
MUST_BEAT_BASE = ["dpo", "kto", "ppo", "grpo"]
SUITES = ["demo-harmlessness", "demo-helpfulness", "demo-toxicity"]


class DemoTest(unittest.TestCase):

    def test_demo_quick_aligns_evaluates_and_ranks_every_algorithm(self):
        server = support.ServerProcess(support.APP_JAR, name="demo")
        data = server.data_dir
        code, out, err = support.run_cli(data, "demo", "--quick", timeout=900)
        print(out[-6000:])
        self.assertEqual(0, code, out[-4000:] + err[-4000:])
        summary = json.loads((data / "demo" / "demo-summary.json").read_text(encoding="utf-8"))

        states = {a["algorithm"]: a["state"] for a in summary["alignments"]}
        self.assertEqual({a: "SUCCEEDED" for a in ALGORITHMS}, states)
        models = {"demo-base"} | {"demo-" + a for a in ALGORITHMS}
        for suite in SUITES:
            self.assertEqual(models, set(summary["suites"][suite]["models"]), suite)

        harmlessness = summary["suites"]["demo-harmlessness"]["models"]
        base = harmlessness["demo-base"]
        for algorithm in MUST_BEAT_BASE:
            aligned = harmlessness["demo-" + algorithm]
            self.assertGreater(aligned["ci_low"], base["ci_high"],
                               f"{algorithm}: {aligned} does not clear the base {base}")
        verdicts = {c["algorithm"]: c for c in summary["harmlessness_vs_base"]}
        self.assertEqual(set(ALGORITHMS), set(verdicts))
        for algorithm in MUST_BEAT_BASE:
            self.assertTrue(verdicts[algorithm]["separated"], verdicts[algorithm])

        report = (data / "demo" / "report.html").read_text(encoding="utf-8")
        for model in models:
            self.assertIn(model, report)
        for suite in SUITES:
            self.assertTrue((data / "demo" / f"leaderboard-{suite}.html").is_file(), suite)
        self.assertIn("leaderboards", out)

        # Everything stays in the embedded database: serve shows the runs, models and leaderboards.
        server.start()
        try:
            with Client("127.0.0.1", server.grpc_port) as client:
                runs = client.training.ListRuns(pb.TrainingServiceListRunsRequest(page_size=100)).runs
                demo_runs = [r for r in runs if r.name.startswith("demo: ")]
                self.assertEqual(len(ALGORITHMS), len(demo_runs))
                self.assertTrue(all(r.state == pb.RUN_STATE_SUCCEEDED for r in demo_runs))
                evaluations = client.evaluation.ListRuns(pb.EvaluationServiceListRunsRequest(page_size=100)).runs
                self.assertEqual(set(SUITES), {r.name.removeprefix("demo: ") for r in evaluations})
                board = client.leaderboard.GetLeaderboard(pb.GetLeaderboardRequest(suite="demo-harmlessness"))
                self.assertEqual(models, {e.model for e in board.entries})
                listed = {m.id for m in client.models.ListModels(pb.ListModelsRequest()).models}
                self.assertTrue({"demo/base"} | {"demo/" + a for a in ALGORITHMS} <= listed, listed)
            with urllib.request.urlopen(server.url(f"/runs/{demo_runs[0].id}"), timeout=30) as page:
                self.assertEqual(200, page.status)
                self.assertIn("<svg", page.read().decode("utf-8"))
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
