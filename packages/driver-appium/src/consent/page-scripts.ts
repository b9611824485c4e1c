/**
 * Functions run inside the page for consent detection and measurement (WebdriverIO
 * serialises them): each is self-contained and uses only its arguments.
 */
import type { UiSnapshot } from './heuristics.js';

/**
 * The visible controls of the page and the dialogs, modal overlays and fixed banners that
 * hold them, for the keyword heuristics.
 */
export function probeConsentSnapshot(): UiSnapshot {
  const visible = (element: Element) => {
    const rects = (element as HTMLElement).getClientRects();
    if (rects.length === 0) return false;
    const style = getComputedStyle(element);
    return style.visibility !== 'hidden' && style.opacity !== '0';
  };
  const selectorOf = (element: Element): string => {
    if (element.id) return `#${CSS.escape(element.id)}`;
    const parts: string[] = [];
    let current: Element | null = element;
    while (current && current !== document.documentElement) {
      if (current.id) {
        parts.unshift(`#${CSS.escape(current.id)}`);
        break;
      }
      const parent: Element | null = current.parentElement;
      const tag = current.tagName.toLowerCase();
      const index = parent ? [...parent.children].filter((child) => child.tagName === current!.tagName).indexOf(current) + 1 : 1;
      parts.unshift(`${tag}:nth-of-type(${index})`);
      current = parent;
    }
    return parts.join(' > ');
  };
  const rectOf = (element: Element) => {
    const rect = element.getBoundingClientRect();
    return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
  };
  const viewport = { width: window.innerWidth, height: window.innerHeight };
  const containerKind = (element: Element): UiSnapshot['containers'][number]['kind'] | null => {
    const role = element.getAttribute('role');
    if ((element.tagName === 'DIALOG' && (element as HTMLDialogElement).open) || role === 'dialog' || role === 'alertdialog')
      return 'dialog';
    if (element.getAttribute('aria-modal') === 'true') return 'dialog';
    const position = getComputedStyle(element).position;
    if (position === 'fixed' || position === 'sticky') {
      const rect = element.getBoundingClientRect();
      return rect.width * rect.height >= 0.6 * viewport.width * viewport.height ? 'overlay' : 'banner';
    }
    return null;
  };
  const containers: UiSnapshot['containers'] = [];
  const indexOf = new Map<Element, number>();
  const containerOf = (element: Element): number | null => {
    for (let current = element.parentElement; current && current !== document.body; current = current.parentElement) {
      const known = indexOf.get(current);
      if (known !== undefined) return known;
      const kind = containerKind(current);
      if (kind && visible(current)) {
        indexOf.set(current, containers.length);
        containers.push({
          selector: selectorOf(current),
          text: ((current as HTMLElement).innerText || '').slice(0, 4000),
          kind,
          rect: rectOf(current),
        });
        return containers.length - 1;
      }
    }
    return null;
  };
  const controls: UiSnapshot['controls'] = [];
  const seen = new Set<Element>();
  for (const element of document.querySelectorAll(
    'button, [role=button], input[type=button], input[type=submit], a, [role=link], [onclick], [tabindex]',
  )) {
    if (seen.has(element) || !visible(element)) continue;
    seen.add(element);
    const text = (
      (element as HTMLElement).innerText ||
      (element as HTMLInputElement).value ||
      element.getAttribute('aria-label') ||
      ''
    ).trim();
    if (!text || text.length > 200) continue;
    const tag = element.tagName;
    const role = element.getAttribute('role');
    // Styled as a button (a pointer cursor on something that is not a link) counts as one.
    const kind =
      tag === 'BUTTON' || tag === 'INPUT' || role === 'button'
        ? 'button'
        : tag === 'A' || role === 'link'
          ? 'link'
          : getComputedStyle(element).cursor === 'pointer'
            ? 'button'
            : 'other';
    controls.push({ selector: selectorOf(element), text, role: kind, rect: rectOf(element), container: containerOf(element) });
  }
  return { viewport, controls, containers };
}

/** What is needed to measure one control: its box, font size, text colour and the backgrounds behind it. */
export interface RawControlMeasure {
  text: string;
  width: number;
  height: number;
  fontSize: string;
  color: string;
  /** Computed background colours from the text's element up to the root, innermost first. */
  backgrounds: string[];
}

export function probeControl(selector: string): RawControlMeasure | null {
  const element = document.querySelector(selector) as HTMLElement | null;
  if (!element || element.getClientRects().length === 0) return null;
  const rect = element.getBoundingClientRect();
  // The element that actually paints the text: the parent of its first non-empty text node.
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  let textElement: Element = element;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if ((node.textContent || '').trim() && node.parentElement) {
      textElement = node.parentElement;
      break;
    }
  }
  const style = getComputedStyle(textElement);
  const backgrounds: string[] = [];
  for (let current: Element | null = textElement; current; current = current.parentElement) {
    backgrounds.push(getComputedStyle(current).backgroundColor);
  }
  return {
    text: (element.innerText || (element as HTMLInputElement).value || element.getAttribute('aria-label') || '')
      .trim()
      .slice(0, 200),
    width: rect.width,
    height: rect.height,
    fontSize: style.fontSize,
    color: style.color,
    backgrounds,
  };
}

const OUTLINE_MARK = 'data-conformance-outline';

/** Outlines (on) or restores (off) the elements matching the selectors, for a screenshot. */
export function outlineElements(selectorsJson: string, on: boolean, mark: string): number {
  const selectors = JSON.parse(selectorsJson) as string[];
  let count = 0;
  if (on) {
    for (const selector of selectors) {
      let element: HTMLElement | null = null;
      try {
        element = document.querySelector(selector) as HTMLElement | null;
      } catch {
        element = null;
      }
      if (!element || element.hasAttribute(mark)) continue;
      element.setAttribute(mark, `${element.style.outline}|${element.style.outlineOffset}`);
      element.style.outline = '3px solid #ff00ff';
      element.style.outlineOffset = '2px';
      count++;
    }
  } else {
    for (const element of document.querySelectorAll(`[${mark}]`)) {
      const [outline, offset] = (element.getAttribute(mark) || '|').split('|');
      (element as HTMLElement).style.outline = outline ?? '';
      (element as HTMLElement).style.outlineOffset = offset ?? '';
      element.removeAttribute(mark);
      count++;
    }
  }
  return count;
}
export { OUTLINE_MARK };

/** The page's URL and visible text, cut at `max` characters. */
export function probeVisibleText(max: number): { url: string; text: string } {
  return { url: location.href, text: (document.body?.innerText || '').slice(0, max) };
}

/**
 * The visible iframes of the document, largest first (at least `minArea` CSS pixels, at most
 * `max`), with a selector that finds each again, its URL and its content box in the viewport.
 */
export function probeFrames(
  minArea: number,
  max: number,
): { selector: string; url: string; origin: string; rect: { x: number; y: number; width: number; height: number } }[] {
  const selectorOf = (element: Element): string => {
    if (element.id) return `#${CSS.escape(element.id)}`;
    const parts: string[] = [];
    let current: Element | null = element;
    while (current && current !== document.documentElement) {
      if (current.id) {
        parts.unshift(`#${CSS.escape(current.id)}`);
        break;
      }
      const parent: Element | null = current.parentElement;
      const tag = current.tagName.toLowerCase();
      const index = parent ? [...parent.children].filter((child) => child.tagName === current!.tagName).indexOf(current) + 1 : 1;
      parts.unshift(`${tag}:nth-of-type(${index})`);
      current = parent;
    }
    return parts.join(' > ');
  };
  const frames = [];
  for (const frame of document.querySelectorAll('iframe')) {
    const style = getComputedStyle(frame);
    if (style.visibility === 'hidden' || style.display === 'none' || style.opacity === '0') continue;
    const box = frame.getBoundingClientRect();
    if (box.width * box.height < minArea) continue;
    let url: URL;
    try {
      url = new URL(frame.src || 'about:blank', location.href);
    } catch {
      continue;
    }
    const px = (value: string) => parseFloat(value) || 0;
    frames.push({
      selector: selectorOf(frame),
      url: url.href,
      origin: url.origin,
      rect: {
        x: box.x + px(style.borderLeftWidth) + px(style.paddingLeft),
        y: box.y + px(style.borderTopWidth) + px(style.paddingTop),
        width: box.width,
        height: box.height,
      },
    });
  }
  return frames.sort((a, b) => b.rect.width * b.rect.height - a.rect.width * a.rect.height).slice(0, max);
}

/**
 * Whether the element is displayed (in the document it runs in), and where its centre is in
 * that document's viewport once scrolled into view; null when it is not there or not shown.
 */
export function probeDisplayed(selector: string, scroll: boolean): { x: number; y: number } | null {
  let element: HTMLElement | null;
  try {
    element = document.querySelector(selector) as HTMLElement | null;
  } catch {
    return null;
  }
  if (!element || element.getClientRects().length === 0) return null;
  const style = getComputedStyle(element);
  if (style.visibility === 'hidden' || style.opacity === '0') return null;
  if (scroll) element.scrollIntoView({ block: 'center', inline: 'center' });
  const box = element.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return null;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** The iframe's content box origin in the viewport (after scrolling it into view when asked); null when it is not shown. */
export function probeFrameBox(selector: string, scroll: boolean): { x: number; y: number } | null {
  let frame: HTMLElement | null;
  try {
    frame = document.querySelector(selector) as HTMLElement | null;
  } catch {
    return null;
  }
  if (!frame || frame.getClientRects().length === 0) return null;
  const style = getComputedStyle(frame);
  if (style.visibility === 'hidden' || style.opacity === '0') return null;
  if (scroll) frame.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  const box = frame.getBoundingClientRect();
  const px = (value: string) => parseFloat(value) || 0;
  return {
    x: box.x + px(style.borderLeftWidth) + px(style.paddingLeft),
    y: box.y + px(style.borderTopWidth) + px(style.paddingTop),
  };
}
