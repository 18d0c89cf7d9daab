// The port-forward reader's HTTP/1.1 framing: Envoy's chunked admin answers (as the simulator frames
// them, byte for byte like Envoy's codec) and content-length ones, fed in every possible split.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Http1ResponseReader, type HttpAnswer } from '../../src/cluster/http1.js';
import { envoyAdminWrites } from '../../src/sim/envoy-http.js';

const DATE = new Date('2026-12-03T07:00:00Z');

/** Feed `bytes` split at each of `cuts`; every answer and the error. */
function feed(bytes: Buffer, cuts: number[] = []): { answers: HttpAnswer[]; error?: string } {
  const r = new Http1ResponseReader();
  const answers: HttpAnswer[] = [];
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    answers.push(...r.push(bytes.subarray(from, c)));
    from = c;
  }
  return { answers, error: r.error };
}

describe('Http1ResponseReader', () => {
  const json = `${JSON.stringify({ configs: [{ name: 'kubernetes://istio-system/shop-tls' }] }, null, 2)}\n`;
  const envoy = Buffer.concat(envoyAdminWrites(200, 'application/json', json, { close: false, date: DATE }));

  it('decodes an Envoy admin answer (chunked, no content-length) split at every byte', () => {
    assert.ok(!/content-length/i.test(envoy.toString('latin1')));
    for (let cut = 0; cut <= envoy.length; cut++) {
      const { answers, error } = feed(envoy, [cut]);
      assert.equal(error, undefined, `cut at ${cut}`);
      assert.deepEqual(answers, [{ status: 200, body: json }], `cut at ${cut}`);
    }
  });

  it('decodes several chunks, chunk extensions and trailers, and answers back to back', () => {
    const body = 'abcdefghij'.repeat(30);
    const wire = Buffer.from(
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n' +
        `64;name=x\r\n${body.slice(0, 100)}\r\n` +
        `C8\r\n${body.slice(100)}\r\n` +
        '0\r\nx-trailer: 1\r\n\r\n' +
        'HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope\n' +
        'HTTP/1.1 204 No Content\r\n\r\n',
      'latin1',
    );
    for (const cuts of [[], [1], [wire.length - 1], [50, 200, 300]]) {
      const { answers, error } = feed(wire, cuts);
      assert.equal(error, undefined);
      assert.deepEqual(answers, [
        { status: 200, body },
        { status: 404, body: 'nope\n' },
        { status: 204, body: '' },
      ]);
    }
  });

  it('keeps multi-byte UTF-8 that a frame boundary splits', () => {
    const text = 'zertifikat für müller.example\n';
    const wire = Buffer.concat(envoyAdminWrites(200, 'text/plain; charset=UTF-8', text, { close: true, date: DATE }));
    const inside = wire.indexOf(Buffer.from('ü')) + 1;
    assert.deepEqual(feed(wire, [inside]).answers, [{ status: 200, body: text }]);
  });

  it('an empty Envoy body is the zero chunk alone', () => {
    const wire = Buffer.concat(envoyAdminWrites(200, 'application/json', '', { close: false, date: DATE }));
    assert.match(wire.toString('latin1'), /\r\n\r\n0\r\n\r\n$/);
    assert.deepEqual(feed(wire).answers, [{ status: 200, body: '' }]);
  });

  it('waits for the rest of a half-received answer, and reports nothing yet', () => {
    const { answers, error } = feed(envoy.subarray(0, envoy.length - 3));
    assert.deepEqual(answers, []);
    assert.equal(error, undefined);
  });

  const malformed: [string, string, RegExp][] = [
    ['no length at all', 'HTTP/1.1 200 OK\r\nserver: x\r\n\r\nbody', /neither content-length nor chunked/],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', /invalid chunk size/],
    ['chunk data without CRLF', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabXY', /not followed by CRLF/],
    ['gzip then chunked', 'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n', /unsupported transfer-encoding/],
    ['two content-lengths', 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\n', /invalid content-length/],
    ['not HTTP', 'SSH-2.0-OpenSSH_9.6\r\n\r\n', /not an HTTP\/1.x status line/],
  ];
  for (const [what, wire, message] of malformed) {
    it(`calls ${what} malformed`, () => {
      const { answers, error } = feed(Buffer.from(wire, 'latin1'));
      assert.deepEqual(answers, []);
      assert.match(error ?? '', message);
    });
  }
});
