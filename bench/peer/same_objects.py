#!/usr/bin/env python3
"""Checks that two YAML streams hold the same Kubernetes objects, in the
same order, with equal values (key order and quoting aside): the peer's
output against stackc's, so that bench/run.sh times the same work.

Usage: same_objects.py STACKC.yaml PEER.yaml   (exit 1 and the first
differences when they differ; needs PyYAML)
"""
import json
import sys

import yaml


def objects(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def ident(doc):
    return (doc.get("kind"), doc.get("metadata", {}).get("name"))


def main(a_path, b_path):
    a, b = objects(a_path), objects(b_path)
    problems = []
    if [ident(d) for d in a] != [ident(d) for d in b]:
        problems.append(f"objects differ: {len(a)} against {len(b)}, or in another order")
    for x, y in zip(a, b):
        if x != y:
            problems.append(f"{ident(x)}:\n  {json.dumps(x, sort_keys=True)[:300]}\n  {json.dumps(y, sort_keys=True)[:300]}")
    for p in problems[:3]:
        print(p)
    print(f"same objects: {'yes' if not problems else 'no'} ({len(a)} objects)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
