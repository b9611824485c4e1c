/**
 * Keeps the run going when whoever reads its output goes away: a pipe into `head`, a CI log
 * collector that stopped, a wrapper that was killed. Writing to such a stream fails (EPIPE) and
 * Node reports it as an error event; unhandled, that would end the run at once, before it stops
 * its proxy and browser or writes its bundle. Output is only a view of the run: on the first
 * error the stream is muted, and the run carries on to its evidence, its report and its exit code.
 * Returns a function that tells whether the stream was muted.
 */
export function muteOnClose(stream: NodeJS.WritableStream): () => boolean {
  let muted = false;
  stream.on('error', () => {
    if (muted) return;
    muted = true;
    stream.write = (() => true) as typeof stream.write;
  });
  return () => muted;
}
