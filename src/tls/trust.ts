// The trust store: Node's bundled Mozilla roots plus --ca-file anchors.
import { rootCertificates } from 'node:tls';
import type { CertFacts, CertIssue, TrustStore } from './types.js';
import { certFactsFromDer } from './certificate.js';
import { isCertificateLabel, readPem } from './pem.js';

let bundledCache: CertFacts[] | undefined;

function bundledRoots(): CertFacts[] {
  if (!bundledCache) {
    bundledCache = [];
    for (const pem of rootCertificates) {
      for (const block of readPem(pem).blocks) {
        try {
          const facts = certFactsFromDer(block.der, bundledCache.length);
          facts.trustSource = 'bundled';
          bundledCache.push(facts);
        } catch {
          // a root Node ships but cannot be parsed here simply cannot anchor a path
        }
      }
    }
  }
  return bundledCache;
}

/** Node's bundled Mozilla roots plus extra PEM anchors (--ca-file contents). */
export function loadTrustStore(extraPem?: string, opts: { includeBundled?: boolean } = {}): TrustStore & { problems: CertIssue[] } {
  const includeBundled = opts.includeBundled ?? true;
  const anchors: CertFacts[] = includeBundled ? [...bundledRoots()] : [];
  const problems: CertIssue[] = [];
  let extraCount = 0;
  if (extraPem && extraPem.trim()) {
    const reading = readPem(extraPem);
    const blocks = reading.der ? [{ label: 'CERTIFICATE', der: reading.der }] : reading.blocks.filter((b) => isCertificateLabel(b.label));
    for (const block of blocks) {
      try {
        const facts = certFactsFromDer(block.der, anchors.length);
        facts.trustSource = 'ca-file';
        anchors.push(facts);
        extraCount++;
      } catch (e) {
        problems.push({ code: 'ITLS901', severity: 'warning', message: `a certificate in --ca-file cannot be parsed and is ignored: ${(e as Error).message}` });
      }
    }
    if (blocks.length === 0) problems.push({ code: 'ITLS901', severity: 'warning', message: '--ca-file holds no PEM certificate' });
  }
  const parts: string[] = [];
  if (includeBundled) parts.push(`Mozilla roots bundled with node ${process.versions.node}`);
  if (extraCount) parts.push(`${extraCount} from --ca-file`);
  return { anchors, description: parts.join(' + ') || 'empty', extraCount, problems };
}
