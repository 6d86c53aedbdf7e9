/**
 * The strip of test examples on the interactive page: each button gets the tree's answer
 * (✓ or ✗), a click shows that example, and a filter keeps the misclassified ones or one
 * true class. Shipped as this function's source text: it must stay self-contained (no
 * imports, no outside names).
 */
import type { PageDom } from './dom.js';
import type { PageData, PagePrediction } from './pageData.js';

export function createStrip(data: PageData, predictions: PagePrediction[], dom: PageDom, onPick: (example: number) => void) {
  const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('#examples button[data-example]'));
  const filter = document.getElementById('example-filter') as HTMLSelectElement;
  const count = document.getElementById('example-count')!;
  const wrong = (e: number) => predictions[e].answer !== data.examples.y[e];
  buttons.forEach((button, e) => {
    button.classList.add(wrong(e) ? 'wrong' : 'right');
    button.appendChild(dom.el('span', { class: 'verdict' }, `${data.classNames[predictions[e].answer]} ${wrong(e) ? '✗' : '✓'}`));
    button.addEventListener('click', () => onPick(e));
  });

  /** "all", "wrong" or "class-K" (true class K). */
  const apply = () => {
    const keep = (e: number) => filter.value === 'all' || (filter.value === 'wrong' ? wrong(e) : `class-${data.examples.y[e]}` === filter.value);
    let shown = 0;
    buttons.forEach((button, e) => {
      button.hidden = !keep(e);
      if (!button.hidden) shown++;
    });
    count.textContent = `${shown} of ${buttons.length} shown`;
  };
  filter.addEventListener('change', apply);
  apply();

  /** Marks the example shown (−1: none, e.g. while a drawing is shown). */
  const select = (example: number) => buttons.forEach((b, e) => b.setAttribute('aria-pressed', String(e === example)));
  return { select };
}
