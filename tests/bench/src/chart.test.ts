import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyChartSvg, niceCeiling, ninesOf, svgToPng } from './chart.ts';

describe('latency chart', () => {
  const series = (label: string, base: number) => ({
    label,
    latenciesMs: Array.from({ length: 1_000 }, (_, i) => base + (i % 100) / 10 + (i === 999 ? 80 : 0)),
  });

  it('draws one panel per distribution, one curve and legend entry per series, with p99 in the legend', () => {
    const svg = latencyChartSvg(
      [
        { title: '2. answer latency', series: [series('baseline', 50), series('byot', 52)] },
        { title: 'empty', series: [{ label: 'none', latenciesMs: [] }] },
      ],
      'byot benchmark latencies',
    );
    assert.equal(svg.match(/<path /g)?.length, 2);
    assert.match(svg, /2\. answer latency/);
    assert.doesNotMatch(svg, />empty</, 'a panel without samples is left out');
    assert.match(svg, />baseline<\/text>\n.*>p50 55 ms, p99 60 ms, max 140 ms</);
    assert.match(svg, />p99</);
  });

  it('renders to a PNG of the SVG size', () => {
    const png = svgToPng(latencyChartSvg([{ title: 't', series: [series('a', 1)] }], 'h'));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), 900); // IHDR width
    assert.equal(png.readUInt32BE(20), 300); // 40 + one 260 px panel
  });

  it('scales', () => {
    assert.ok(Math.abs(ninesOf(0.99) - 2) < 1e-9);
    assert.ok(ninesOf(1) > ninesOf(0.999));
    assert.equal(niceCeiling(37), 50);
    assert.equal(niceCeiling(120), 200);
    assert.equal(niceCeiling(0), 1);
  });
});
