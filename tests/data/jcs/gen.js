// Generates the JCS test vectors with Node.js as the independent implementation
// (ECMAScript's own Number serialisation and UTF-16 string order). Run once:
//   node tests/data/jcs/gen.js   (writes numbers.txt and documents.txt here)
const fs = require('fs');
const path = require('path');
let seed = 20261122;
function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }
const buf = Buffer.alloc(8);
const lines = [];
for (let i = 0; i < 10000; i++) {
  let v;
  do {
    for (let b = 0; b < 8; b++) buf[b] = Math.floor(rnd() * 256);
    if (i % 4 === 1) { buf[0] = (buf[0] & 0x80) | 0x3f + Math.floor(rnd() * 2); }   // near 1
    if (i % 4 === 2) { buf[0] = (buf[0] & 0x80) | 0x40; buf[1] = 0x80 + Math.floor(rnd() * 100); }  // 1e2..1e30
    v = buf.readDoubleBE(0);
  } while (!isFinite(v));
  lines.push(buf.toString('hex') + '\t' + JSON.stringify(v));
}
fs.writeFileSync(path.join(__dirname, 'numbers.txt'), lines.join('\n') + '\n');
const pieces = ['a', 'Z', '\u20ac', '\r', '\ufb33', '1', '\ud83d\ude00', '\u0080', '\u00f6', '"', '\\', '\u000f', 'key', ''];
function str() { let s = ''; const n = Math.floor(rnd() * 4); for (let i = 0; i < n; i++) s += pieces[Math.floor(rnd() * pieces.length)]; return s; }
function val(d) {
  const k = Math.floor(rnd() * (d > 3 ? 5 : 7));
  if (k === 0) return null;
  if (k === 1) return rnd() < 0.5;
  if (k === 2) return Math.floor(rnd() * 2e9) - 1e9;
  if (k === 3) return (rnd() - 0.5) * Math.pow(10, Math.floor(rnd() * 60) - 30);
  if (k === 4) return str();
  if (k === 5) { const a = []; const n = Math.floor(rnd() * 4); for (let i = 0; i < n; i++) a.push(val(d + 1)); return a; }
  const o = {}; const n = Math.floor(rnd() * 5); for (let i = 0; i < n; i++) o[str()] = val(d + 1); return o;
}
function canon(v) {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
  return '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
}
const docs = [];
for (let i = 0; i < 1000; i++) {
  const v = val(0);
  docs.push(JSON.stringify(JSON.stringify(v, null, i % 2 ? 2 : 0)) + '\t' + JSON.stringify(canon(v)));
}
fs.writeFileSync(path.join(__dirname, 'documents.txt'), docs.join('\n') + '\n');
