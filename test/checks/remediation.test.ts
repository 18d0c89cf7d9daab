// Every remediation the check tables and the scenarios emit: YAML that parses, names real objects, holds
// no key material, and that the real kubectl accepts (`apply --dry-run=client`) against the simulated cluster.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Finding } from '../../src/findings/types.js';
import { runChecks } from '../../src/checks/run.js';
import { loadOfflineSnapshot } from '../../src/manifests/index.js';
import { materializeScenario } from '../../src/sim/materialize.js';
import { startSim } from '../../src/sim/server.js';
import { combineRemediations } from '../../src/remediation/index.js';
import { findingsFor, OPTIONS, type CheckCase } from './_support.js';
import { workloadCases } from './cases/workloads.js';
import { mountCases } from './cases/mounts.js';
import { gatewayConfigCases } from './cases/gateway-config.js';
import { routingCases } from './cases/routing.js';
import { credentialAccessCases } from './cases/credential-access.js';

const TABLES: CheckCase[] = [...workloadCases, ...mountCases, ...gatewayConfigCases, ...routingCases, ...credentialAccessCases];

interface Emitted {
  from: string;
  yaml: string;
}

async function collect(): Promise<{ emitted: Emitted[]; findings: Finding[] }> {
  const findings: Finding[] = [];
  const emitted: Emitted[] = [];
  const add = (from: string, fs: Finding[]) => {
    for (const f of fs) {
      findings.push(f);
      if (f.remediation?.yaml) emitted.push({ from: `${from}: ${f.code} on ${f.resource.kind} ${f.resource.name}`, yaml: f.remediation.yaml });
    }
  };
  for (const c of TABLES) add(c.name, findingsFor(undefined, c));
  const root = 'test/scenarios';
  for (const name of existsSync(root) ? readdirSync(root).sort() : []) {
    const m = await materializeScenario(join(root, name), { now: OPTIONS.now });
    try {
      const { snapshot } = loadOfflineSnapshot([m.dir]);
      const fs = runChecks(snapshot, OPTIONS).findings;
      add(`scenario ${name}`, fs);
      // the --fix-only stream of the whole run must apply as well (comment headers, empty first document)
      const combined = combineRemediations(fs);
      if (/^kind:/m.test(combined)) emitted.push({ from: `combined fixes of scenario ${name}`, yaml: combined });
    } finally {
      rmSync(m.dir, { recursive: true, force: true });
    }
  }
  const unique = new Map(emitted.map((e) => [e.yaml, e]));
  return { emitted: [...unique.values()], findings };
}

const collected = collect();

test('every remediation YAML parses into complete Kubernetes objects and holds no key material', async () => {
  const { emitted, findings } = await collected;
  assert.ok(emitted.length >= 30, `only ${emitted.length} remediation documents: the tables lost their fixes`);
  for (const e of emitted) {
    const docs = parseAllDocuments(e.yaml);
    for (const d of docs) {
      assert.equal(d.errors.length, 0, `${e.from}: ${d.errors[0]?.message}`);
      const obj = d.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string } } | null;
      if (obj === null && e.from.startsWith('combined')) continue; // the comment-only header document
      assert.ok(obj, `${e.from}: empty document`);
      assert.ok(obj.apiVersion && obj.kind && obj.metadata?.name, `${e.from}: incomplete object`);
    }
  }
  const text = JSON.stringify(findings);
  assert.doesNotMatch(text, /PRIVATE KEY|MII[A-Za-z0-9+/]{60}/, 'no key material in findings or remediation');
});

function hasKubectl(): boolean {
  return spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
}

function kubectlApply(kubeconfig: string, yaml: string): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, 'apply', '--dry-run=client', '--validate=false', '-f', '-'], {
      env: { ...process.env, KUBECONFIG: '' },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (status) => resolve({ status: status ?? 1, out }));
    child.stdin.end(yaml);
  });
}

test('kubectl apply --dry-run=client accepts every remediation against the simulated cluster', { skip: !hasKubectl() && 'kubectl not on PATH' }, async (t) => {
  const { emitted } = await collected;
  const sim = await startSim({ scenarioDir: 'test/scenarios/healthy', now: OPTIONS.now });
  try {
    const failures: string[] = [];
    const unserved: string[] = [];
    // a bounded number in flight: each kubectl is a process and a handful of requests
    const queue = [...emitted];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let e = queue.shift(); e; e = queue.shift()) {
          const r = await kubectlApply(sim.kubeconfigPath, e.yaml);
          // a kind whose CRD the simulated cluster does not serve (cert-manager) cannot be judged here
          if (r.status !== 0 && /no matches for kind "[^"]+" in version "(?!networking\.istio\.io|security\.istio\.io)/.test(r.out)) {
            unserved.push(`${e.from}: ${r.out.trim()}`);
            continue;
          }
          if (r.status !== 0 || !/\(dry run\)/.test(r.out)) failures.push(`${e.from}\n${r.out.trim()}\n${e.yaml}`);
        }
      }),
    );
    // the simulated cluster serves every kind a fix may propose (Istio, cert-manager, core, RBAC)
    assert.deepEqual(unserved, [], 'a remediation proposes a kind the simulated cluster does not serve');
    t.diagnostic(`${emitted.length - unserved.length} remediation documents accepted by kubectl`);
    assert.deepEqual(failures, []);
  } finally {
    await sim.stop();
  }
});
