import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fmtMiB,
  fmtMs,
  fmtPct,
  fmtRate,
  judge,
  type Report,
  renderMarkdown,
  renderMarkdownTable,
  renderText,
  renderTextTable,
} from './report.ts';

describe('formatting', () => {
  it('prints a dash for a figure that could not be measured', () => {
    assert.equal(fmtMs(Number.NaN), '—');
    assert.equal(fmtRate(undefined), '—');
    assert.equal(fmtPct(Number.NaN), '—');
    assert.equal(fmtMiB(undefined), '—');
  });

  it('rounds to a readable precision', () => {
    assert.equal(fmtMs(3.12), '3.1 ms');
    assert.equal(fmtMs(2_999.6), '3000 ms');
    assert.equal(fmtRate(12_345.6), '12,346/s');
    assert.equal(fmtRate(12.34), '12.3/s');
    assert.equal(fmtPct(1), '100%');
    assert.equal(fmtPct(0), '0%');
    assert.equal(fmtPct(0.877), '87.7%');
    assert.equal(fmtMiB(150 * 1024 * 1024), '150.0 MiB');
  });
});

describe('judge', () => {
  it('compares against at-least and at-most targets', () => {
    assert.equal(judge(0.3, { atLeast: 0.25 }), 'met');
    assert.equal(judge(0.2, { atLeast: 0.25 }), 'missed');
    assert.equal(judge(30, { atMost: 25 }), 'missed');
    assert.equal(judge(25, { atMost: 25 }), 'met');
    assert.equal(judge(Number.NaN, { atMost: 25 }), 'not judged');
  });
});

describe('tables', () => {
  const table = {
    columns: ['name', 'value'],
    rows: [
      ['ingress', '1 ms'],
      ['bare|server', '0.5 ms'],
    ],
  };

  it('pads text columns to the widest cell', () => {
    const lines = renderTextTable(table).split('\n');
    assert.equal(lines[0], 'name         value');
    assert.equal(lines[1], '───────────  ──────');
    assert.equal(lines[2], 'ingress      1 ms');
  });

  it('renders Markdown with escaped pipes', () => {
    assert.equal(
      renderMarkdownTable(table),
      '| name | value |\n| --- | --- |\n| ingress | 1 ms |\n| bare\\|server | 0.5 ms |',
    );
  });
});

describe('whole report', () => {
  const report: Report = {
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:02:00.000Z',
    quick: true,
    machine: { cpus: 2, cpuModel: 'test cpu', memoryGiB: 24, node: '24.0.0', redis: '7.0.0' },
    headlines: [
      { benchmark: '1. overhead', figure: '30%', baseline: '10,000/s', target: '≥ 25%', verdict: 'met' },
    ],
    sections: [
      {
        id: 'overhead',
        title: '1. Ingress overhead',
        setup: '50 connections, 10 s',
        table: { columns: ['target', 'hooks/s'], rows: [['bare', '10,000/s']] },
        notes: ['a note'],
      },
    ],
    raw: {},
  };

  it('renders the headline table, then each section with its setup and notes', () => {
    const text = renderText(report);
    assert.match(text, /quick: indicative only/);
    assert.match(text, /1\. overhead\s+30%\s+10,000\/s\s+≥ 25%\s+met/);
    assert.match(text, /1\. Ingress overhead\n {2}50 connections, 10 s\n/);
    assert.match(text, / {2}· a note/);
    const markdown = renderMarkdown(report);
    assert.match(markdown, /^# byot benchmarks/);
    assert.match(markdown, /\| 1\. overhead \| 30% \| 10,000\/s \| ≥ 25% \| met \|/);
    assert.match(markdown, /## 1\. Ingress overhead\n\n50 connections, 10 s\n\n\| target \| hooks\/s \|/);
    assert.match(markdown, /- a note\n$/);
  });
});
