// @ts-check
/* Copy to the clipboard (with a select-and-press-Ctrl+C fallback where the page is not a secure context, e.g.
 * opened from disk in some browsers) and download as a file. */
import { $, toast } from './dom.js';

/** @param {string} text @param {string} what */
export function copyText(text, what) {
  var done = function () { toast(what + ' copied to the clipboard'); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { copyFallback(text, what); });
  } else {
    copyFallback(text, what);
  }
}
/** @param {string} text @param {string} what */
function copyFallback(text, what) {
  var box = $('.lw-copy-fallback');
  var ta = box && /** @type {HTMLTextAreaElement | null} */ ($('textarea', box));
  if (!box || !ta) return;
  box.hidden = false;
  ta.value = text;
  ta.focus();
  ta.select();
  var ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  if (ok) { box.hidden = true; toast(what + ' copied to the clipboard'); }
}
/** @param {string} text @param {string} filename */
export function download(text, filename) {
  var blob = new Blob([text], { type: 'text/tab-separated-values;charset=utf-8' });
  var url = URL.createObjectURL(blob);
  var a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
}
