// What the page's script finds on window: pako (vendored, inflate only) and uPlot (vendored; its own types, from
// the uplot package, declare the global). lwReport is set by main.js for the browser tests.
export {};
declare global {
  interface Window {
    pako: { inflate(data: Uint8Array): Uint8Array };
    lwReport?: unknown;
  }
}
