import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Meter } from '@opentelemetry/api';

/**
 * The few process series an on-call engineer looks at first, under their usual Prometheus names (the OTel SDK
 * has no default process metrics of its own). Returns a stop function.
 */
export function observeProcess(meter: Meter): () => void {
  const startSeconds = Math.round((Date.now() - performance.now()) / 1000);
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  meter
    .createObservableGauge('process_resident_memory_bytes', {
      description: 'Resident memory size',
      unit: 'By',
    })
    .addCallback((r) => r.observe(process.memoryUsage.rss()));
  meter
    .createObservableGauge('nodejs_heap_size_used_bytes', { description: 'V8 heap in use', unit: 'By' })
    .addCallback((r) => r.observe(process.memoryUsage().heapUsed));
  meter
    .createObservableCounter('process_cpu_seconds_total', {
      description: 'User and system CPU time',
      unit: 's',
    })
    .addCallback((r) => {
      const { user, system } = process.cpuUsage();
      r.observe((user + system) / 1e6);
    });
  meter
    .createObservableGauge('process_start_time_seconds', {
      description: 'Start time since the epoch',
      unit: 's',
    })
    .addCallback((r) => r.observe(startSeconds));
  meter
    .createObservableGauge('nodejs_eventloop_delay_p99_seconds', {
      description: 'Event-loop delay, 99th percentile since the last scrape',
      unit: 's',
    })
    .addCallback((r) => {
      r.observe(loop.percentile(99) / 1e9);
      loop.reset();
    });
  return () => loop.disable();
}
