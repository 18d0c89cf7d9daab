// HTTP/1.1 responses read off a byte stream that is not a socket (a port-forward's data channel),
// as RFC 9112 frames them: a `content-length` body, a `transfer-encoding: chunked` body (what Envoy's
// admin sends: AdminFilter encodes the headers before the body, so its HTTP/1 codec has no length to
// give and chunks the body, envoy source/common/http/http1/codec_impl.cc encodeHeadersBase), or no
// body at all (1xx, 204, 304). Node's own parser only runs on its sockets, hence this small one.
// Bytes arrive in arbitrary slices: a frame may end anywhere, in a header, a chunk size or a CRLF.

export interface HttpAnswer {
  status: number;
  body: string;
}

type Phase =
  | { kind: 'head' }
  | { kind: 'length'; status: number; remaining: number }
  | { kind: 'chunk-size'; status: number }
  | { kind: 'chunk-data'; status: number; remaining: number }
  | { kind: 'chunk-crlf'; status: number }
  | { kind: 'trailers'; status: number };

/** Largest header block or chunk-size line accepted before the stream is called malformed. */
const MAX_LINE = 64 * 1024;

export class Http1ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  private phase: Phase = { kind: 'head' };
  private body: Buffer[] = [];
  /** set once the stream is malformed; nothing more is read */
  error: string | undefined;

  /** Feed bytes; returns the responses they completed, in order. */
  push(data: Buffer): HttpAnswer[] {
    if (this.error) return [];
    this.buf = this.buf.length === 0 ? data : Buffer.concat([this.buf, data]);
    const done: HttpAnswer[] = [];
    while (!this.error) {
      const answer = this.step();
      if (answer === 'more') break;
      if (answer) done.push(answer);
    }
    return done;
  }

  /** True between responses: nothing half-read. */
  get idle(): boolean {
    return this.phase.kind === 'head' && this.buf.length === 0;
  }

  private fail(message: string): 'more' {
    this.error = message;
    return 'more';
  }

  private finish(status: number): HttpAnswer {
    const body = Buffer.concat(this.body).toString('utf8');
    this.body = [];
    this.phase = { kind: 'head' };
    return { status, body };
  }

  /** Moves up to `remaining` buffered bytes into the body; true once all of them arrived. */
  private takeBody(p: { remaining: number }): boolean {
    const take = Math.min(p.remaining, this.buf.length);
    this.body.push(this.buf.subarray(0, take));
    this.buf = this.buf.subarray(take);
    p.remaining -= take;
    return p.remaining === 0;
  }

  /** One parsing step: an answer when one completes, undefined to continue, 'more' to wait for bytes. */
  private step(): HttpAnswer | undefined | 'more' {
    const p = this.phase;
    switch (p.kind) {
      case 'head': {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) return this.buf.length > MAX_LINE ? this.fail('HTTP response headers too large') : 'more';
        const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
        this.buf = this.buf.subarray(end + 4);
        const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0]);
        if (!m) return this.fail(`not an HTTP/1.x status line: ${JSON.stringify(lines[0].slice(0, 80))}`);
        const status = Number(m[1]);
        const headers = new Map<string, string[]>();
        for (const line of lines.slice(1)) {
          const i = line.indexOf(':');
          if (i <= 0) return this.fail(`malformed HTTP header line: ${JSON.stringify(line.slice(0, 80))}`);
          const name = line.slice(0, i).trim().toLowerCase();
          headers.set(name, [...(headers.get(name) ?? []), line.slice(i + 1).trim()]);
        }
        if (status < 200 || status === 204 || status === 304) {
          if (status < 200) return undefined; // interim response: the real one follows
          return this.finish(status);
        }
        const te = (headers.get('transfer-encoding') ?? []).join(',').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean);
        if (te.length > 0) {
          // RFC 9112 6.3: chunked must be the final coding; anything else has no length we can know.
          if (te[te.length - 1] !== 'chunked') return this.fail(`unsupported transfer-encoding: ${te.join(', ')}`);
          if (te.length > 1) return this.fail(`unsupported transfer-encoding: ${te.join(', ')}`);
          this.phase = { kind: 'chunk-size', status };
          return undefined;
        }
        const lengths = [...new Set((headers.get('content-length') ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()))];
        if (lengths.length === 0) return this.fail('HTTP response with neither content-length nor chunked transfer-encoding');
        if (lengths.length > 1 || !/^\d+$/.test(lengths[0])) return this.fail(`invalid content-length: ${lengths.join(', ')}`);
        this.phase = { kind: 'length', status, remaining: Number(lengths[0]) };
        return undefined;
      }
      case 'length':
        return this.takeBody(p) ? this.finish(p.status) : 'more';
      case 'chunk-size': {
        const end = this.buf.indexOf('\r\n');
        if (end < 0) return this.buf.length > MAX_LINE ? this.fail('chunk-size line too long') : 'more';
        const line = this.buf.subarray(0, end).toString('latin1');
        this.buf = this.buf.subarray(end + 2);
        // chunk-size [ chunk-ext ]: extensions follow a ';' and are ignored
        const hex = line.split(';')[0].trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) return this.fail(`invalid chunk size: ${JSON.stringify(line.slice(0, 40))}`);
        const size = parseInt(hex, 16);
        this.phase = size === 0 ? { kind: 'trailers', status: p.status } : { kind: 'chunk-data', status: p.status, remaining: size };
        return undefined;
      }
      case 'chunk-data':
        if (!this.takeBody(p)) return 'more';
        this.phase = { kind: 'chunk-crlf', status: p.status };
        return undefined;
      case 'chunk-crlf': {
        if (this.buf.length < 2) return 'more';
        if (this.buf[0] !== 0x0d || this.buf[1] !== 0x0a) return this.fail('chunk data not followed by CRLF');
        this.buf = this.buf.subarray(2);
        this.phase = { kind: 'chunk-size', status: p.status };
        return undefined;
      }
      case 'trailers': {
        // trailer-section CRLF: zero or more header lines, then an empty line
        const end = this.buf.indexOf('\r\n');
        if (end < 0) return this.buf.length > MAX_LINE ? this.fail('trailer line too long') : 'more';
        this.buf = this.buf.subarray(end + 2);
        return end === 0 ? this.finish(p.status) : undefined;
      }
    }
  }
}
