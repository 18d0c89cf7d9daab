// krew-manifest.yaml against the rules krew-index CI applies (validate-krew-manifest, krew v0.4.5),
// as research/packaging.md §1 lists them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { renderManifest, repositoryUrl, TARGETS } from '../../scripts/release.js';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Platform {
  selector?: Selector;
  uri?: string;
  sha256?: string;
  bin?: string;
  files?: { from?: string; to?: string }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { version?: string; homepage?: string; shortDescription?: string; description?: string; caveats?: string; platforms?: Platform[] };
}

const text = readFileSync(new URL('../../krew-manifest.yaml', import.meta.url), 'utf8');
const manifest = parse(text) as Manifest;
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; bin: Record<string, string>; repository?: { url?: string } };
const template = readFileSync(new URL('../../krew-manifest.template.yaml', import.meta.url), 'utf8');

const SUPPORTED = new Set(['windows/386', 'windows/amd64', 'windows/arm64', 'linux/386', 'linux/amd64', 'linux/arm', 'linux/arm64', 'linux/ppc64le', 'darwin/386', 'darwin/amd64', 'darwin/arm64']);

function matches(selector: Selector, os: string, arch: string): boolean {
  const labels: Record<string, string> = { os, arch };
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === String(v));
  const byExpr = (selector.matchExpressions ?? []).every((e) => {
    const v = labels[e.key];
    if (e.operator === 'In') return (e.values ?? []).map(String).includes(v);
    if (e.operator === 'NotIn') return !(e.values ?? []).map(String).includes(v);
    if (e.operator === 'Exists') return v !== undefined;
    if (e.operator === 'DoesNotExist') return v === undefined;
    return false;
  });
  return byLabels && byExpr;
}

describe('krew-manifest.yaml', () => {
  it('is a krew v1alpha2 Plugin named istio-tls', () => {
    assert.equal(manifest.apiVersion, 'krew.googlecontainertools.github.com/v1alpha2');
    assert.equal(manifest.kind, 'Plugin');
    assert.equal(manifest.metadata.name, 'istio-tls');
    assert.match(manifest.metadata.name, /^[\w-]+$/);
  });

  it('has a one-line shortDescription, a description and a homepage', () => {
    assert.ok(manifest.spec.shortDescription && !/[\r\n]/.test(manifest.spec.shortDescription));
    assert.ok(manifest.spec.description && manifest.spec.description.length > 40);
    assert.match(manifest.spec.homepage ?? '', /^https:\/\//);
  });

  it('has a semver version starting with v, equal to package.json', () => {
    assert.match(manifest.spec.version ?? '', /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/);
    assert.equal(manifest.spec.version, `v${pkg.version}`);
  });

  it('every platform has uri (.tar.gz/.zip of this version), a lowercase sha256, bin, and files that extract bin and LICENSE', () => {
    const platforms = manifest.spec.platforms ?? [];
    assert.ok(platforms.length > 0);
    for (const p of platforms) {
      assert.match(p.uri ?? '', /\.(tar\.gz|zip)$/);
      assert.ok((p.uri ?? '').includes(`/${manifest.spec.version}/`), `${p.uri} names the version`);
      assert.match(p.sha256 ?? '', /^[a-f0-9]{64}$/);
      assert.ok(p.bin);
      assert.ok(p.files === undefined || p.files.length > 0);
      for (const f of p.files ?? []) assert.ok(f.from && f.to, 'files entries need from and to');
      const froms = (p.files ?? [{ from: '*' }]).map((f) => f.from);
      assert.ok(froms.includes(p.bin) || froms.includes('*'), `${p.bin} is extracted`);
      assert.ok(froms.some((f) => f === '*' || /^licen[cs]e/i.test(f ?? '')), 'LICENSE is extracted (krew-index requires it)');
    }
  });

  it('bin is the kubectl-istio_tls executable (.exe on Windows), as krew links it', () => {
    for (const p of manifest.spec.platforms ?? []) {
      const windows = p.selector?.matchLabels?.os === 'windows';
      assert.equal(p.bin, windows ? 'kubectl-istio_tls.exe' : 'kubectl-istio_tls');
      if (windows) assert.match(p.uri ?? '', /\.zip$/);
    }
    assert.ok(Object.keys(pkg.bin).includes('kubectl-istio_tls'), 'npm installs the same name');
  });

  it('selectors use only os/arch, each matches a supported platform, and no two overlap', () => {
    const claimed = new Map<string, number>();
    (manifest.spec.platforms ?? []).forEach((p, i) => {
      const s = p.selector;
      assert.ok(s && (Object.keys(s.matchLabels ?? {}).length > 0 || (s.matchExpressions ?? []).length > 0), 'selector is non-empty');
      if (s.matchLabels) assert.ok(Object.keys(s.matchLabels).length > 0);
      if (s.matchExpressions) assert.ok(s.matchExpressions.length > 0);
      for (const key of [...Object.keys(s.matchLabels ?? {}), ...(s.matchExpressions ?? []).map((e) => e.key)]) assert.ok(key === 'os' || key === 'arch', key);
      let any = false;
      for (const pair of SUPPORTED) {
        const [os, arch] = pair.split('/');
        if (!matches(s, os, arch)) continue;
        any = true;
        assert.equal(claimed.get(pair), undefined, `${pair} matched by platforms ${claimed.get(pair)} and ${i}`);
        claimed.set(pair, i);
      }
      assert.ok(any, `platform ${i} matches no supported os/arch`);
    });
    for (const pair of ['linux/amd64', 'linux/arm64', 'darwin/amd64', 'darwin/arm64', 'windows/amd64']) assert.ok(claimed.has(pair), pair);
  });

  it('quotes sha256 values so an all-digit hash stays a string', () => {
    for (const line of text.split('\n').filter((l) => l.trim().startsWith('sha256:'))) assert.match(line, /sha256: "[a-f0-9]{64}"/);
  });
  it('is the template filled in by npm run release (edit krew-manifest.template.yaml, then run npm run release)', () => {
    const platforms = Object.fromEntries(
      (manifest.spec.platforms ?? []).map((p) => [`${p.selector?.matchLabels?.os}/${p.selector?.matchLabels?.arch}`, { uri: p.uri ?? '', sha256: p.sha256 ?? '' }]),
    );
    assert.equal(text, renderManifest(template, { version: pkg.version, homepage: repositoryUrl(pkg), platforms }));
  });

  it('names real archives: release URIs of the repository in package.json, no placeholder sha256', () => {
    const repo = repositoryUrl(pkg);
    assert.equal(manifest.spec.homepage, repo);
    for (const t of TARGETS) {
      const p = (manifest.spec.platforms ?? []).find((x) => x.selector?.matchLabels?.os === t.os && x.selector?.matchLabels?.arch === t.arch);
      assert.equal(p?.uri, `${repo}/releases/download/v${pkg.version}/${t.archive}`);
      assert.notEqual(p?.sha256, '0'.repeat(64), `${t.os}/${t.arch} has a real sha256`);
    }
  });
});
