// Generates web/src/assets/sample.png, the explorer's sample image: a small synthetic landscape (sky gradient,
// sun, hills, a striped field) with smooth areas and edges, so upsampling artifacts are easy to see.
// Run: node --conditions=tconv-source --import tsx scripts/gen-sample-image.ts
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

const size = 64;
const png = new PNG({ width: size, height: size });
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const u = x / size;
    const v = y / size;
    let [r, g, b] = [90 + 100 * v, 150 + 70 * v, 235];
    const sun = Math.hypot(u - 0.72, v - 0.25);
    if (sun < 0.12) [r, g, b] = [255, 220 - 200 * sun, 90];
    const hill = 0.62 + 0.08 * Math.sin(u * 7.5) + 0.04 * Math.sin(u * 17 + 1);
    if (v > hill) [r, g, b] = [60 + 40 * Math.sin(u * 9), 140 - 60 * (v - hill), 60];
    if (v > 0.85) [r, g, b] = (Math.floor(x / 4) % 2 === 0) ? [200, 170, 60] : [150, 120, 40];
    const i = (y * size + x) * 4;
    png.data[i] = Math.round(r);
    png.data[i + 1] = Math.round(g);
    png.data[i + 2] = Math.round(b);
    png.data[i + 3] = 255;
  }
}
writeFileSync(new URL('../web/src/assets/sample.png', import.meta.url), PNG.sync.write(png));
