"""The page's only script: Enter sends (Shift+Enter adds a line) and a citation click opens the viewer.

It reads no document text and loads nothing; it sets a hidden box to "turn-marker" and clicks a
hidden button, so the server renders the viewer.
"""

PAGE_JS = r"""
() => {
  window.__msraPage = true;
  const setValue = (el, v) => {
    const proto = Object.getPrototypeOf(el);
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, v);
    el.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.addEventListener('keydown', (e) => {
    const box = e.target;
    if (e.key !== 'Enter' || e.isComposing || !box.closest || !box.closest('#question')) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    if (e.shiftKey) {
      box.setRangeText('\n', box.selectionStart, box.selectionEnd, 'end');
      box.dispatchEvent(new Event('input', {bubbles: true}));
      return;
    }
    const btn = document.querySelector('#ask-btn');
    if (btn) btn.click();
  }, true);
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a.msra-cite, a.msra-view');
    if (!a) return;
    let view = a.dataset.view;
    if (a.classList.contains('msra-cite')) {
      const card = document.getElementById((a.getAttribute('href') || '').slice(1));
      if (!card) return;
      const group = card.closest('details');
      if (group) group.open = true;
      view = card.dataset.view;
    } else {
      e.preventDefault();
    }
    const box = document.querySelector('#viewer-req textarea, #viewer-req input');
    const btn = document.querySelector('#viewer-btn');
    if (!view || !box || !btn) return;
    setValue(box, view);
    setTimeout(() => btn.click(), 80);
  });
}
"""
