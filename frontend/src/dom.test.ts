import { describe, expect, it } from 'vitest';
import { h, replaceChildren } from './dom';

describe('h', () => {
  it('sets attributes, live properties and listeners, and skips empty values', () => {
    let clicked = 0;
    const el = h('button', { type: 'button', disabled: true, 'aria-label': 'Go', hidden: false, title: undefined, onclick: () => { clicked++; } }, 'Go', 1, null, false, ['!']);
    expect(el.outerHTML).toBe('<button type="button" disabled="" aria-label="Go">Go1!</button>');
    expect(el.disabled).toBe(true);
    el.disabled = false;
    el.click();
    expect(clicked).toBe(1);
  });

  it('inserts text, never markup', () => {
    expect(h('p', null, '<b>x</b>').innerHTML).toBe('&lt;b&gt;x&lt;/b&gt;');
  });

  it('refuses inline styles, which the Content-Security-Policy blocks', () => {
    expect(() => h('p', { style: 'color: red' })).toThrow(/Content-Security-Policy/);
  });
});

describe('replaceChildren', () => {
  it('keeps focus on the element with the same data-focus key', () => {
    const parent = h('div', null, h('input', { type: 'text', 'data-focus': 'name', value: 'abc' }));
    document.body.replaceChildren(parent);
    parent.querySelector('input')!.focus();
    replaceChildren(parent, h('input', { type: 'text', 'data-focus': 'name', value: 'abcd' }));
    expect((document.activeElement as HTMLInputElement).value).toBe('abcd');
  });
});
