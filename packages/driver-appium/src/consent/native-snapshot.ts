/**
 * A UI snapshot for the keyword heuristics from a native page source (UiAutomator2 or
 * XCUITest XML): clickable elements with their text and bounds, and the screen as the one
 * container. Parsed with regular expressions: the sources are flat attribute lists.
 */
import type { Rect, UiSnapshot } from './heuristics.js';

interface Node {
  tag: string;
  attributes: Record<string, string>;
  rect: Rect;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return ENTITIES[entity] ?? whole;
  });
}

function parseNodes(source: string): Node[] {
  const nodes: Node[] = [];
  for (const match of source.matchAll(/<([A-Za-z][\w.]*)\s([^<>]*?)\/?>/g)) {
    const attributes: Record<string, string> = {};
    for (const attribute of match[2]!.matchAll(/([\w:-]+)="([^"]*)"/g)) attributes[attribute[1]!] = decode(attribute[2]!);
    const bounds = /^\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]$/.exec(attributes.bounds ?? '');
    const rect = bounds
      ? { x: +bounds[1]!, y: +bounds[2]!, width: +bounds[3]! - +bounds[1]!, height: +bounds[4]! - +bounds[2]! }
      : {
          x: Number(attributes.x ?? 0),
          y: Number(attributes.y ?? 0),
          width: Number(attributes.width ?? 0),
          height: Number(attributes.height ?? 0),
        };
    nodes.push({ tag: match[1]!, attributes, rect });
  }
  return nodes;
}

const inside = (inner: Rect, outer: Rect) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

const ownText = (node: Node) =>
  (node.attributes.text || node.attributes['content-desc'] || node.attributes.label || node.attributes.name || '').trim();

const xpathLiteral = (value: string) => (value.includes('"') ? `'${value}'` : `"${value}"`);

export function nativeSnapshot(source: string): UiSnapshot {
  const nodes = parseNodes(source);
  const ios = nodes.some((node) => node.tag.startsWith('XCUIElementType'));
  const root = nodes.find((node) => node.rect.width > 0 && node.rect.height > 0);
  const viewport = { width: root?.rect.width ?? 0, height: root?.rect.height ?? 0 };
  const texts = nodes.map(ownText).filter(Boolean);
  const ids = new Map<string, number>();
  for (const node of nodes) {
    const id = node.attributes['resource-id'];
    if (id) ids.set(id, (ids.get(id) ?? 0) + 1);
  }
  const controls: UiSnapshot['controls'] = [];
  for (const node of nodes) {
    const tappable = ios
      ? /XCUIElementType(Button|Link|Cell|Switch)$/.test(node.tag) && node.attributes.visible !== 'false'
      : node.attributes.clickable === 'true' && node.attributes.displayed !== 'false';
    if (!tappable) continue;
    let text = ownText(node);
    if (!text && !ios) {
      text = nodes
        .filter((other) => other !== node && inside(other.rect, node.rect) && ownText(other))
        .map(ownText)
        .join(' ');
    }
    if (!text) continue;
    const id = node.attributes['resource-id'];
    const selector = ios
      ? node.attributes.name
        ? `~${node.attributes.name}`
        : `-ios predicate string:label == ${xpathLiteral(text)}`
      : id && ids.get(id) === 1
        ? `id=${id}`
        : node.attributes['content-desc']
          ? `~${node.attributes['content-desc']}`
          : node.attributes.text
            ? `//*[@text=${xpathLiteral(node.attributes.text)}]`
            : `//*[@bounds="${node.attributes.bounds ?? ''}"]`;
    const kind =
      /Button/i.test(node.tag) || /Button/i.test(node.attributes.class ?? '')
        ? 'button'
        : /Link/.test(node.tag)
          ? 'link'
          : 'other';
    controls.push({ selector, text, role: kind, rect: node.rect, container: 0 });
  }
  return {
    viewport,
    controls,
    containers: [
      {
        selector: '(screen)',
        text: texts.join('\n').slice(0, 8_000),
        kind: 'screen',
        rect: root?.rect ?? { x: 0, y: 0, width: 0, height: 0 },
      },
    ],
  };
}

/** The visible text of a native screen, for dialog and policy text. */
export function nativeText(source: string, max: number): string {
  return parseNodes(source).map(ownText).filter(Boolean).join('\n').slice(0, max);
}

/** A native control's measure: area from its bounds; font size and contrast are not in the page source. */
export function nativeControlRect(source: string, selectorText: string): Rect | undefined {
  return parseNodes(source).find((node) => ownText(node) === selectorText)?.rect;
}
