// A tiny DOM builder. Text always goes in as text nodes, never as HTML, so
// data from the API cannot inject markup; and it never sets inline styles,
// which the Content-Security-Policy forbids.

export type Child = Node | string | number | null | undefined | false | Child[];

type Handler = (event: Event) => void;
export type Props = Record<string, string | number | boolean | Handler | null | undefined>;

// Properties that must be set as DOM properties to reflect live state.
const liveProperties = new Set(['value', 'checked', 'disabled']);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'function') {
      el.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
    } else if (liveProperties.has(key)) {
      (el as unknown as Record<string, unknown>)[key] = value;
    } else if (value === false) {
      continue;
    } else if (key === 'style') {
      throw new Error('inline styles are not allowed by the Content-Security-Policy; use a class');
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// replaceChildren swaps a container's content, keeping focus on the element
// with the same data-focus key when the old focused element disappears.
export function replaceChildren(parent: Element, ...children: Child[]): void {
  const active = document.activeElement;
  const key = active && parent.contains(active) ? active.getAttribute('data-focus') : null;
  const fragment = document.createDocumentFragment();
  append(fragment, children);
  parent.replaceChildren(fragment);
  if (key) focusKey(parent, key);
}

export function focusKey(scope: ParentNode, key: string): boolean {
  const target = [...scope.querySelectorAll<HTMLElement>('[data-focus]')].find((el) => el.dataset.focus === key);
  if (!target) return false;
  target.focus();
  if (target instanceof HTMLInputElement && target.type === 'text') {
    const end = target.value.length;
    target.setSelectionRange(end, end);
  }
  return true;
}
