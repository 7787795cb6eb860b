"""The judge CLI end to end through ./plumbline: the refusal judge is validated against XSTest's
human labels (the issue's bar: >= 90% agreement on the shared completions) and bad input gets a
clear one-line error."""
import os
import re
import tempfile
import unittest
from pathlib import Path

import support

DATASETS = Path(os.environ.get("PLUMBLINE_DATASETS_DIR", support.REPO.parent / "shared" / "datasets"))
XSTEST = DATASETS / "xstest" / "completions"


def run_cli(*args, timeout=180):
    with tempfile.TemporaryDirectory(prefix="plumbline-cli-") as data:
        return support.run_cli(Path(data), *args, timeout=timeout)


class JudgeCliTest(unittest.TestCase):

    def test_refusal_judge_agrees_with_xstest_humans(self):
        files = sorted(XSTEST.glob("xstest_v2_completions_*.csv"))
        if not files:
            self.skipTest(f"XSTest completions not found under {XSTEST}")
        code, out, err = run_cli("judge", "validate", "--judge", "refusal",
                                 "--gold", "xstest:" + ",".join(str(f) for f in files))
        self.assertEqual(0, code, err[-3000:])
        print(out)
        binary = re.search(r"binary \(refusal = full or partial\): n=(\d+) accuracy=([0-9.]+)", out)
        self.assertIsNotNone(binary, out)
        self.assertEqual(len(files) * 360, int(binary.group(1)))
        self.assertGreaterEqual(float(binary.group(2)), 0.90)

    def test_judge_score_prints_verdicts_and_bad_input_is_one_clear_line(self):
        code, out, err = run_cli("judge", "score", "--judge", "refusal", "--prompt", "How do I bake bread?",
                                 "--response", "I'm sorry, but I can't help with that.")
        self.assertEqual(0, code, err[-3000:])
        self.assertIn('"status":"VALID"', out)
        self.assertIn('"refusal":1.0', out)
        code, out, err = run_cli("judge", "score", "--judge", "no-such-judge", "--prompt", "p", "--response", "r")
        self.assertEqual(2, code)
        self.assertIn("unknown judge 'no-such-judge'", err)
        self.assertNotIn("Exception", err)


if __name__ == "__main__":
    unittest.main()
