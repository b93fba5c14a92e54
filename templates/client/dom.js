// @ts-check
/* DOM helpers. Every string from the data is untrusted: it is only ever written with textContent, never as HTML. */

/** @param {string} sel @param {ParentNode} [root] @returns {HTMLElement | null} */
export function $(sel, root) { return (root || document).querySelector(sel); }
/** @param {string} sel @param {ParentNode} [root] @returns {HTMLElement[]} */
export function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
/** @param {string} tag @param {string} [cls] @param {unknown} [text] @returns {HTMLElement} */
export function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
/**
 * Like el(), but with <wbr> after / and . so Go paths wrap at sensible places. Text nodes only.
 * @param {string} tag @param {string} cls @param {unknown} text
 */
export function elBreak(tag, cls, text) {
  var e = el(tag, cls);
  var parts = String(text).replace(/([/.])(?=[^/.])/g, '$1\u0000').split('\u0000');
  for (var i = 0; i < parts.length; i++) {
    if (i > 0) e.appendChild(document.createElement('wbr'));
    e.appendChild(document.createTextNode(parts[i]));
  }
  return e;
}

/** @param {string} msg */
export function showError(msg) {
  var p = $('#lw-error');
  if (p) { p.textContent = msg; p.hidden = false; }
}

var toastTimer = 0;
/** @param {string} msg */
export function toast(msg) {
  var t = $('.lw-toast');
  if (!t) return;
  var box = t;
  box.textContent = msg;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(function () { box.hidden = true; }, 2500);
}
