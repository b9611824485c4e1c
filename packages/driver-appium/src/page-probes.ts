/**
 * Functions run inside the page (WebdriverIO serialises them): they must be
 * self-contained and use only their arguments.
 */

export interface DialogProbe {
  shown: boolean;
  rejectOnFirstLayer: boolean;
  rejectSelector: string | null;
  toggles: { label: string; checked: boolean }[];
  policyLink: boolean;
  buttons: string[];
}

export function probeDialog(
  dialog: string,
  reject: string | null,
  policyLink: string | null,
  rejectWords: string[],
  policyWords: string[],
): DialogProbe {
  const visible = (element: Element | null): element is HTMLElement =>
    !!element &&
    (element as HTMLElement).getClientRects().length > 0 &&
    getComputedStyle(element as HTMLElement).visibility !== 'hidden';
  const matches = (text: string, words: string[]) => words.some((word) => text.toLowerCase().includes(word.toLowerCase()));
  const root = document.querySelector(dialog);
  if (!visible(root))
    return { shown: false, rejectOnFirstLayer: false, rejectSelector: null, toggles: [], policyLink: false, buttons: [] };
  const textOf = (element: Element) =>
    (
      (element as HTMLElement).innerText ||
      (element as HTMLInputElement).value ||
      element.getAttribute('aria-label') ||
      ''
    ).trim();
  const controls = [...root.querySelectorAll('button, [role=button], input[type=button], input[type=submit], a')].filter(visible);
  const buttons = controls.map(textOf).filter(Boolean);
  let rejectSelector: string | null = null;
  if (reject) {
    const element = document.querySelector(reject);
    if (element && root.contains(element) && visible(element)) rejectSelector = reject;
  }
  const rejectOnFirstLayer = rejectSelector !== null || controls.some((control) => matches(textOf(control), rejectWords));
  const labelOf = (input: Element) => {
    const id = input.getAttribute('id');
    const label = (id && root.querySelector(`label[for="${CSS.escape(id)}"]`)) || input.closest('label');
    return (
      (label as HTMLElement | null)?.innerText ||
      input.getAttribute('aria-label') ||
      input.getAttribute('name') ||
      ''
    ).trim();
  };
  // Consent managers often hide the real checkbox and style its label: hidden inputs count too.
  const toggles = [...root.querySelectorAll('input[type=checkbox], input[type=radio], [role=switch], [role=checkbox]')].map(
    (input) => ({
      label: labelOf(input),
      checked: input instanceof HTMLInputElement ? input.checked : input.getAttribute('aria-checked') === 'true',
    }),
  );
  const policy =
    (policyLink !== null && root.querySelector(policyLink) !== null) ||
    [...root.querySelectorAll('a, button, [role=link]')].some((element) => matches(textOf(element), policyWords));
  return { shown: true, rejectOnFirstLayer, rejectSelector, toggles, policyLink: policy, buttons };
}

export function probeClickables(): { selector: string; text: string }[] {
  const visible = (element: Element) =>
    (element as HTMLElement).getClientRects().length > 0 && getComputedStyle(element as HTMLElement).visibility !== 'hidden';
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
  return [...document.querySelectorAll('a, button, [role=button], [role=menuitem], [role=link], [role=tab]')]
    .filter(visible)
    .map((element) => ({
      selector: selectorOf(element),
      text: ((element as HTMLElement).innerText || element.getAttribute('aria-label') || '').trim().slice(0, 80),
    }));
}

export function probePolicyShown(policyWords: string[]): boolean {
  const visible = (element: Element) =>
    (element as HTMLElement).getClientRects().length > 0 && getComputedStyle(element as HTMLElement).visibility !== 'hidden';
  return [...document.querySelectorAll('h1, h2, h3, [role=heading], dialog h1, dialog h2, title')]
    .filter((element) => element.tagName === 'TITLE' || visible(element))
    .some((element) => policyWords.some((word) => (element.textContent || '').toLowerCase().includes(word.toLowerCase())));
}

export async function probeStorage(): Promise<{
  origin: string;
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  indexedDB: { database: string; store: string; entries: number; sample: string[] }[];
}> {
  const dump = (storage: Storage) => {
    const out: Record<string, string> = {};
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i)!;
      out[key] = storage.getItem(key) ?? '';
    }
    return out;
  };
  const indexed: { database: string; store: string; entries: number; sample: string[] }[] = [];
  try {
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of [...db.objectStoreNames]) {
        const entries = await new Promise<number>((resolve) => {
          const request = db.transaction(store, 'readonly').objectStore(store).count();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => resolve(-1);
        });
        const sample = await new Promise<string[]>((resolve) => {
          const request = db.transaction(store, 'readonly').objectStore(store).getAll(undefined, 50);
          request.onsuccess = () =>
            resolve(
              (request.result as unknown[]).map((value) => {
                try {
                  return JSON.stringify(value).slice(0, 2000);
                } catch {
                  return String(value).slice(0, 2000);
                }
              }),
            );
          request.onerror = () => resolve([]);
        });
        indexed.push({ database: info.name, store, entries, sample });
      }
      db.close();
    }
  } catch {
    // IndexedDB unavailable (opaque origin): nothing to list.
  }
  return { origin: location.origin, localStorage: dump(localStorage), sessionStorage: dump(sessionStorage), indexedDB: indexed };
}
