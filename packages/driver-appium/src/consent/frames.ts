/**
 * Selectors of elements inside an iframe. Many consent platforms render their dialog in an
 * iframe on their own origin; the controls found there are written
 * `<iframe selector> |> <selector in the frame>` (one level of frames), so every later step
 * (tap, wait, measure, outline) knows to enter that frame first. `|>` never occurs in CSS.
 */
export const FRAME_SEPARATOR = ' |> ';

export interface FramedSelector {
  /** The iframe element's selector in the top document; absent for the top document. */
  frame?: string;
  /** The selector inside the frame (or in the top document). */
  inner: string;
}

export function splitFrameSelector(selector: string): FramedSelector {
  const at = selector.indexOf(FRAME_SEPARATOR);
  if (at < 0) return { inner: selector };
  return { frame: selector.slice(0, at), inner: selector.slice(at + FRAME_SEPARATOR.length) };
}

export function inFrameSelector(frame: string | undefined, inner: string): string {
  return frame === undefined ? inner : `${frame}${FRAME_SEPARATOR}${inner}`;
}

/** A visible iframe of the top document, as listed by `probeFrames`. */
export interface FrameInfo {
  selector: string;
  /** The frame's document URL as its `src` says (resolved); the origin is read from it. */
  url: string;
  origin: string;
  /** The frame's box in the top document's viewport (CSS pixels), content box. */
  rect: { x: number; y: number; width: number; height: number };
}

/** The largest frames worth looking into: smaller ones hold ads, pixels and widgets, not dialogs. */
export const FRAME_MIN_AREA = 120 * 60;
export const FRAMES_MAX = 4;
