/**
 * Turns raw facts about a rendered control (box, computed font size and colours) into the
 * ControlMeasure of the evidence: area in CSS px², font size in px, and the WCAG 2 contrast
 * ratio of its text against the background it is actually drawn on.
 */
import type { ControlMeasure } from '@conformance/core';
import type { RawControlMeasure } from './page-scripts.js';

export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

/** Parses a computed CSS colour (`rgb(…)` / `rgba(…)`, as getComputedStyle gives it); undefined for others. */
export function parseColor(value: string): Rgba | undefined {
  const match = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/i.exec(value.trim());
  if (!match) return undefined;
  const alphaText = match[4];
  const a = alphaText === undefined ? 1 : alphaText.endsWith('%') ? Number(alphaText.slice(0, -1)) / 100 : Number(alphaText);
  return { r: Number(match[1]), g: Number(match[2]), b: Number(match[3]), a };
}

/** Paints `top` over an opaque `bottom`. */
function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top.a;
  return {
    r: top.r * a + bottom.r * (1 - a),
    g: top.g * a + bottom.g * (1 - a),
    b: top.b * a + bottom.b * (1 - a),
    a: 1,
  };
}

/**
 * The opaque colour behind the text: the backgrounds from the innermost element outwards,
 * composed until one is opaque; the canvas (white) under all of them.
 */
export function effectiveBackground(backgrounds: readonly string[]): Rgba | undefined {
  const layers: Rgba[] = [];
  for (const value of backgrounds) {
    const color = parseColor(value);
    if (!color) return undefined;
    if (color.a === 0) continue;
    layers.push(color);
    if (color.a >= 1) break;
  }
  let result: Rgba = { r: 255, g: 255, b: 255, a: 1 };
  for (const layer of layers.reverse()) result = over(layer, result);
  return result;
}

/** WCAG 2 relative luminance of an opaque colour. */
export function luminance(color: Rgba): number {
  const channel = (value: number) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b);
}

/** WCAG 2 contrast ratio (1–21) of text colour `color` over the backgrounds; null when a colour cannot be read. */
export function contrastRatio(color: string, backgrounds: readonly string[]): number | null {
  const background = effectiveBackground(backgrounds);
  const text = parseColor(color);
  if (!background || !text) return null;
  const painted = text.a < 1 ? over(text, background) : text;
  const [light, dark] = [luminance(painted), luminance(background)].sort((a, b) => b - a) as [number, number];
  return Math.round(((light + 0.05) / (dark + 0.05)) * 100) / 100;
}

export function toControlMeasure(selector: string, raw: RawControlMeasure, tapsAway: number): ControlMeasure {
  const fontSize = Number.parseFloat(raw.fontSize);
  const contrast = contrastRatio(raw.color, raw.backgrounds);
  return {
    selector,
    text: raw.text,
    area: Math.round(raw.width * raw.height),
    fontSizePx: Number.isFinite(fontSize) ? fontSize : null,
    contrast: contrast === null ? null : Math.min(21, Math.max(1, contrast)),
    tapsAway,
  };
}
