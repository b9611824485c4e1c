import { describe, expect, it } from 'vitest';
import { contrastRatio, effectiveBackground, parseColor, toControlMeasure } from './measure.js';

describe('contrastRatio', () => {
  it('gives 21 for black on white and 1 for white on white', () => {
    expect(contrastRatio('rgb(0, 0, 0)', ['rgb(255, 255, 255)'])).toBe(21);
    expect(contrastRatio('rgb(255, 255, 255)', ['rgba(0, 0, 0, 0)', 'rgb(255, 255, 255)'])).toBe(1);
  });

  it('matches the WCAG value of grey #777 on white (4.48)', () => {
    expect(contrastRatio('rgb(119, 119, 119)', ['rgb(255, 255, 255)'])).toBeCloseTo(4.48, 2);
  });

  it('skips transparent layers and composes translucent ones over what is below', () => {
    expect(effectiveBackground(['rgba(0, 0, 0, 0)', 'rgb(0, 0, 0)'])).toEqual({ r: 0, g: 0, b: 0, a: 1 });
    expect(effectiveBackground(['rgba(0, 0, 0, 0.5)', 'rgb(255, 255, 255)'])).toEqual({ r: 127.5, g: 127.5, b: 127.5, a: 1 });
    // Nothing opaque up the tree: the canvas is white.
    expect(effectiveBackground(['rgba(0, 0, 0, 0)'])).toEqual({ r: 255, g: 255, b: 255, a: 1 });
  });

  it('is null for colours it cannot read', () => {
    expect(parseColor('color(display-p3 1 0 0)')).toBeUndefined();
    expect(contrastRatio('color(display-p3 1 0 0)', ['rgb(255, 255, 255)'])).toBeNull();
  });
});

describe('toControlMeasure', () => {
  it('turns raw page facts into a ControlMeasure', () => {
    expect(
      toControlMeasure(
        '#reject',
        {
          text: 'reject',
          width: 40.5,
          height: 12,
          fontSize: '10px',
          color: 'rgb(200, 200, 200)',
          backgrounds: ['rgb(255, 255, 255)'],
        },
        0,
      ),
    ).toEqual({ selector: '#reject', text: 'reject', area: 486, fontSizePx: 10, contrast: 1.67, tapsAway: 0 });
  });
});
