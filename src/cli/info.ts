/**
 * `medcl info [--json]`: versions (medcl, Node, libtorch), threads, CPU features, CUDA devices, oneDNN (MKLDNN) and
 * the precision 'auto' picks here (src/engine/system-info.ts). `--json` adds libtorch's build configuration.
 */
import { Command } from 'commander';
import { z } from 'zod';
import { systemInfo, type SystemInfo } from '../engine/system-info.js';
import { flagNames, parseOptions } from './options.js';

const optionsSchema = z.strictObject({ json: z.boolean() });

export function formatInfo(s: SystemInfo): string {
  const features = s.cpu.features
    ? Object.entries(s.cpu.features)
        .map(([f, on]) => `${f} ${on ? 'yes' : 'no'}`)
        .join(', ')
    : 'unknown (no /proc/cpuinfo)';
  const threads =
    `${s.threads.intraOp} intra-op (default ${s.threads.default}` +
    `${s.threads.fromEnv !== null ? `, MEDCL_THREADS=${s.threads.fromEnv}` : ', set MEDCL_THREADS to change'})`;
  const lines = [
    `medcl: ${s.medcl}`,
    `node: ${s.node} (${s.platform})`,
    `libtorch: ${s.libtorch}`,
    `threads: ${threads}`,
    `cpu: ${s.cpu.model ?? 'unknown'}, ${s.cpu.cores} cores`,
    `cpu features: ${features}`,
    `cuda devices: ${s.cuda.devices}${
      s.cuda.devices > 0
        ? ` (--device cuda:0${s.cuda.devices > 1 ? ` to cuda:${s.cuda.devices - 1}` : ''})`
        : ' (--device cpu only: no GPU, or a libtorch built without CUDA)'
    }`,
    `mkldnn (oneDNN): ${s.mkldnn ? 'yes' : 'no'}`,
    `precision 'auto' picks: ${s.autoPrecision.precision} (${s.autoPrecision.reason})`,
  ];
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('info')
    .description('versions, threads, CPU features, CUDA devices and oneDNN of this installation')
    .option('--json', "print as JSON (with libtorch's build configuration)", false)
    .action((raw: { json: boolean }) => {
      const o = parseOptions(optionsSchema, raw, 'info', flagNames(['json']));
      const s = systemInfo();
      process.stdout.write(o.json ? JSON.stringify(s, null, 2) + '\n' : formatInfo(s));
    });
}
