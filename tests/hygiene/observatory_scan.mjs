// Grades pages with MDN's HTTP Observatory scanner (@mdn/mdn-http-observatory), one after the other.
// Usage: node observatory_scan.mjs <path to the scanner's src/scanner/index.js> <select URL> <page>...
// Before each scan it asks the loopback test server (select URL + page name) to serve that page on
// ports 80 and 443 of localhost; it prints one JSON object: page -> {grade, score, tests} or {error}.
import { pathToFileURL } from "node:url";

const [scannerPath, selectUrl, ...pages] = process.argv.slice(2);
const { scan } = await import(pathToFileURL(scannerPath).href);
const out = {};
for (const page of pages) {
  const selected = await fetch(selectUrl + encodeURIComponent(page));
  if (!selected.ok) {
    throw new Error(`the test server did not select ${page}: ${selected.status}`);
  }
  try {
    const result = await scan("localhost");
    const tests = {};
    for (const [name, test] of Object.entries(result.tests)) {
      tests[name] = { result: test.result, modifier: test.scoreModifier };
    }
    out[page] = { grade: result.scan.grade, score: result.scan.score, tests };
  } catch (e) {
    out[page] = { error: e instanceof Error ? e.message : String(e) };
  }
}
console.log(JSON.stringify(out));
