// Envoy's admin listener on the wire, byte for byte as Envoy frames an HTTP/1.1 answer:
// - AdminFilter::onComplete (envoy source/server/admin/admin_filter.cc) encodes the headers with
//   end_stream=false, then the body from the handler's nextChunk (config_dump, certs, stats in their
//   non-streaming forms: one chunk holding the whole body), then ends the stream.
// - The headers carry no content-length, so the HTTP/1 codec (source/common/http/http1/codec_impl.cc,
//   encodeHeadersBase) adds `transfer-encoding: chunked` and flushes the head on its own; each data
//   buffer becomes `<hex length>\r\n<bytes>\r\n`, and the end of the stream `0\r\n\r\n`.
// - populateFallbackResponseHeaders (source/server/admin/utils.cc) sets content-type (default
//   `text/plain; charset=UTF-8`), `cache-control: no-cache, max-age=0`, `x-content-type-options:
//   nosniff`; the connection manager adds `date` and `server: envoy`, and `connection: close` when the
//   request asked for it.
// - An HTTP/1.0 request gets no chunking (the codec's Http10 case): the body runs to the close.

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface EnvoyHttpOptions {
  /** the request said `Connection: close` (or was HTTP/1.0) */
  close: boolean;
  /** HTTP/1.0 request: Envoy answers HTTP/1.0 without chunking and closes */
  http10?: boolean;
  date: Date;
}

/**
 * The writes Envoy's admin makes for one answer, in order: the head (flushed alone), then the body
 * chunk with the terminating zero chunk. Concatenated, they are the bytes on the connection.
 */
export function envoyAdminWrites(status: number, contentType: string, body: string, opts: EnvoyHttpOptions): Buffer[] {
  const bytes = Buffer.from(body, 'utf8');
  const head = [
    `HTTP/1.${opts.http10 ? 0 : 1} ${status} ${REASONS[status] ?? 'Unknown'}`,
    `content-type: ${contentType}`,
    'cache-control: no-cache, max-age=0',
    'x-content-type-options: nosniff',
    `date: ${opts.date.toUTCString()}`,
    'server: envoy',
    ...(opts.close || opts.http10 ? ['connection: close'] : []),
    ...(opts.http10 ? [] : ['transfer-encoding: chunked']),
  ];
  const writes = [Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1')];
  if (opts.http10) {
    if (bytes.length > 0) writes.push(bytes);
    return writes;
  }
  const last = Buffer.from('0\r\n\r\n', 'latin1');
  writes.push(bytes.length > 0 ? Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`, 'latin1'), bytes, Buffer.from('\r\n', 'latin1'), last]) : last);
  return writes;
}

/**
 * A write as it reaches a port-forward client: the kubelet copies the pod's socket in 32 KiB reads
 * (Go's io.Copy buffer), so a large write arrives as several data frames, split anywhere.
 */
export function forwardSlices(write: Buffer, size = 32 * 1024): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < write.length; i += size) out.push(write.subarray(i, i + size));
  return out;
}
