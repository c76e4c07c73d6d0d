#!/usr/bin/env python3
"""Is a mix worth its price on these prompts? Runs the shipped datasets against a mix and a direct model through the
Evals API (the official `openai` SDK) and prints the report's headline. See docs/evals.md.

    pip install openai
    python3 evals/compare.py --base-url http://localhost:8080/v1 --mix together-moa \
        --baseline together/Qwen/Qwen3-235B-A22B-Instruct-2507-tput --judge openai/gpt-4.1

Every call is a real provider call and costs money: 50 short answers and 6 open prompts per model, plus one judge call
per open prompt and model.
"""
import argparse
import json
import os
import pathlib
import sys
import time
import urllib.request

from openai import OpenAI

HERE = pathlib.Path(__file__).resolve().parent

SHORT_ANSWERS = {
    "name": "short answers",
    "data_source_config": {"type": "custom", "item_schema": {
        "type": "object", "properties": {"question": {"type": "string"}, "answer": {"type": "string"}},
        "required": ["question", "answer"]}},
    "testing_criteria": [{"type": "string_check", "name": "contains the answer", "operation": "ilike",
                          "input": "{{sample.output_text}}", "reference": "{{item.answer}}"}],
}
SHORT_INPUT = {"type": "template", "template": [
    {"role": "system", "content": "Answer with the answer only: a word, a name or a number written in digits."},
    {"role": "user", "content": "{{item.question}}"}]}


def open_prompts(judge):
    return {
        "name": "open prompts",
        "data_source_config": {"type": "custom", "item_schema": {
            "type": "object", "properties": {"prompt": {"type": "string"}}, "required": ["prompt"]}},
        "testing_criteria": [{"type": "score_model", "name": "judge", "model": judge, "range": [1, 10],
                              "pass_threshold": 7, "input": [
                {"role": "system", "content": "You are a strict judge of answer quality: correctness, completeness, "
                                              "clarity and following the instructions."},
                {"role": "user", "content": "Prompt:\n{{item.prompt}}\n\nAnswer:\n{{sample.output_text}}\n\n"
                                            "Rate the answer from 1 (useless) to 10 (excellent)."}]}],
    }


OPEN_INPUT = {"type": "template", "template": [{"role": "user", "content": "{{item.prompt}}"}]}


def run_eval(client, args, definition, dataset, input_messages):
    ev = client.evals.create(**definition)
    upload = client.files.create(file=(dataset, open(HERE / dataset, "rb")), purpose="evals")
    runs = []
    for model in (args.mix, args.baseline):
        runs.append(client.evals.runs.create(ev.id, name=model, data_source={
            "type": "completions", "model": model, "input_messages": input_messages,
            "source": {"type": "file_id", "id": upload.id}}))
    for run in runs:
        while True:
            current = client.evals.runs.retrieve(run.id, eval_id=ev.id)
            counts = current.result_counts
            print(f"  {definition['name']} / {current.model}: {current.status} "
                  f"({counts.passed + counts.failed + counts.errored}/{counts.total})", file=sys.stderr)
            if current.status in ("completed", "failed", "canceled"):
                break
            time.sleep(args.poll_seconds)
    request = urllib.request.Request(f"{args.base_url.rstrip('/')}/evals/{ev.id}/report",
                                     headers={"Accept": "application/json",
                                              "Authorization": f"Bearer {client.api_key}"})
    with urllib.request.urlopen(request) as response:
        report = json.load(response)
    return report, current.report_url


def money(value):
    return "unknown" if value is None else f"${value:.4f}"


def headline(report, url):
    print(f"\n{report['name']}  ({url})")
    for run in report["runs"]:
        rate, ci = run["pass_rate"], run["pass_rate_ci95"]
        rate_text = "n/a" if rate is None else f"{rate:.0%} [{ci[0]:.0%}, {ci[1]:.0%}]"
        cost = run["cost_usd"]
        print(f"  {run['model']:<40} pass {rate_text:<18} cost {money(cost['samples'])} "
              f"(per passed item {money(cost['per_passed_item'])}, graders {money(cost['graders'])})  "
              f"latency p50 {run['latency_ms']['p50']} ms, p95 {run['latency_ms']['p95']} ms  "
              f"errors {run['errored']}")
    for pair in report["pairs"]:
        print(f"  {pair['model_a']} vs {pair['model_b']}: {pair['wins']} wins, {pair['losses']} losses, "
              f"{pair['ties']} ties, exact McNemar p = {pair['p_value']:.3g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default=os.environ.get("MOA_BASE_URL", "http://localhost:8080/v1"))
    parser.add_argument("--api-key", default=os.environ.get("MOA_API_KEY", "unused"))
    parser.add_argument("--mix", required=True, help="the mix to test")
    parser.add_argument("--baseline", required=True, help="a direct model, <provider>/<model>: e.g. its best proposer")
    parser.add_argument("--judge", help="the score_model grader for the open prompts (a direct model or a mix); "
                                        "without it only the short answers run")
    parser.add_argument("--poll-seconds", type=float, default=5.0, help="how often to look at the runs")
    args = parser.parse_args()
    client = OpenAI(base_url=args.base_url, api_key=args.api_key)
    headline(*run_eval(client, args, SHORT_ANSWERS, "short-answers.jsonl", SHORT_INPUT))
    if args.judge:
        headline(*run_eval(client, args, open_prompts(args.judge), "open-prompts.jsonl", OPEN_INPUT))


if __name__ == "__main__":
    main()
