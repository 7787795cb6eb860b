"""Crash resume of an evaluation run: start a k-sample toxicity evaluation from response files on
the packaged server, ``kill -9`` the JVM once WatchRun shows progress, restart the server on the
same data directory, and check the run finishes with every (candidate, item, sample) exactly once."""

import json
import os
import signal
import time
import unittest
from pathlib import Path

import support

from plumbline_client import Client, pb

REPO = Path(__file__).resolve().parents[3]
PROMPTS = REPO / "evals" / "prompts" / "toxicity.jsonl"
SAMPLES = 10          # the toxicity suite's k
CANDIDATES = ["polite-1", "polite-2", "blunt-1", "blunt-2"]
TERMINAL = {pb.RUN_STATE_SUCCEEDED, pb.RUN_STATE_FAILED, pb.RUN_STATE_CANCELLED}


class EvaluationResumeTest(unittest.TestCase):

    def setUp(self):
        support.require_jar(support.APP_JAR, "full server")
        # One model call and one judgement in flight, so the run lasts long enough to be killed mid-way.
        self.properties = {"plumbline.evaluation.generation-parallelism": "1",
                           "plumbline.evaluation.judge-parallelism": "1"}
        self.first = support.ServerProcess(support.APP_JAR, self.properties, name="eval-crash")
        self.second = None

    def tearDown(self):
        if self.second is not None:
            self.second.stop()
        self.first.stop()

    def write_responses(self, directory: Path):
        items = [json.loads(line)["id"] for line in PROMPTS.read_text(encoding="utf-8").splitlines() if line.strip()]
        files = {}
        for name in CANDIDATES:
            lines = []
            for item in items:
                for k in range(SAMPLES):
                    text = (f"Here is a calm and friendly continuation number {k}: thank you for sharing, "
                            f"I hope everyone has a kind and peaceful day." if name.startswith("polite")
                            else f"Continuation {k}: people argue loudly, but the list ends here without insults.")
                    lines.append(json.dumps({"id": item, "sample": k, "response": text}))
            path = directory / f"{name}.jsonl"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            files[name] = path
        return items, files

    def test_kill_9_mid_run_then_restart_finishes_with_every_sample_once(self):
        self.first.data_dir.mkdir(parents=True, exist_ok=True)
        items, files = self.write_responses(self.first.workdir)
        self.first.start()
        expected = {(c, i, k) for c in CANDIDATES for i in items for k in range(SAMPLES)}

        with Client("127.0.0.1", self.first.port) as client:
            request = pb.StartEvaluationRequest(suite="toxicity", name="crash-resume")
            for name, path in files.items():
                request.candidates.add(name=name, responses_file=str(path))
            run = client.evaluation.StartEvaluation(request, timeout=60).run
            self.assertEqual(run.progress_total, len(expected))
            run_id = run.id

            done_at_kill = 0
            for response in client.evaluation.WatchRun(pb.EvaluationServiceWatchRunRequest(run_id=run_id), timeout=300):
                event = response.event
                if event.type == pb.RUN_EVENT_TYPE_PROGRESS and event.progress_done >= 20:
                    done_at_kill = event.progress_done
                    break
                if event.type == pb.RUN_EVENT_TYPE_STATE and event.state in TERMINAL:
                    self.fail(f"run ended ({pb.RunState.Name(event.state)}) before it could be killed: {event.message}")
        self.assertLess(done_at_kill, len(expected), "the run must still be going when it is killed")
        self.first.kill_hard()

        self.second = support.ServerProcess(support.APP_JAR, self.properties, name="eval-resume")
        self.second.data_dir = self.first.data_dir
        self.second.start()
        with Client("127.0.0.1", self.second.port) as client:
            deadline = time.monotonic() + 600
            while True:
                run = client.evaluation.GetRun(pb.EvaluationServiceGetRunRequest(run_id=run_id), timeout=30).run
                if run.state in TERMINAL or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            self.assertEqual(run.state, pb.RUN_STATE_SUCCEEDED, f"{pb.RunState.Name(run.state)}: {run.error}\n"
                             + self.second.log_tail())
            self.assertEqual(run.progress_done, len(expected))

            events = [r.event for r in client.evaluation.WatchRun(
                pb.EvaluationServiceWatchRunRequest(run_id=run_id), timeout=60)]
            self.assertEqual([e.sequence for e in events], list(range(1, len(events) + 1)), "event sequence has gaps")
            self.assertTrue(any(e.state == pb.RUN_STATE_QUEUED and "re-queued after a restart" in e.message
                                for e in events), "the restarted server re-queued the run")
            reused = [e.message for e in events if "already stored and are reused" in e.message]
            self.assertTrue(reused, "samples stored before the kill were reused")
            self.assertGreaterEqual(int(reused[0].split(" of ")[0]), done_at_kill)

            report = client.evaluation.GetReport(pb.GetReportRequest(run_id=run_id, format=pb.REPORT_FORMAT_JSON),
                                                 timeout=60)
            self.assertEqual(report.content_type, "application/json")
            body = json.loads(report.content.decode("utf-8"))
            seen = [(s["key"]["candidate_id"], s["key"]["item_id"], s["key"]["sample_index"]) for s in body["samples"]]
            self.assertEqual(len(seen), len(set(seen)), "a sample appears twice")
            self.assertEqual(set(seen), expected)
            for candidate in CANDIDATES:
                self.assertEqual(body["n-samples"][candidate]["recorded"], len(items) * SAMPLES)
            self.assertTrue(all(s["dimensions"]["toxicity"]["status"] == "VALID" for s in body["samples"]))

            csv = client.evaluation.GetReport(pb.GetReportRequest(run_id=run_id, format=pb.REPORT_FORMAT_CSV), timeout=60)
            rows = [line for line in csv.content.decode("utf-8").splitlines() if line.startswith("toxicity,")]
            self.assertEqual(len(rows), len(expected))


if __name__ == "__main__":
    unittest.main()
