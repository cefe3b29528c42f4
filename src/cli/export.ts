/**
 * `medcl export --model <folder|model.json|weights.safetensors> --out model.onnx [--static-size]`: writes a saved
 * segmentation network (src/models/saved.ts) as an ONNX model (opset 17, BatchNorm folded, preprocessing and class
 * names in the metadata; src/export/), for ONNX Runtime, `medcl predict --engine onnx` and the browser.
 */
import path from 'node:path';
import { Command } from 'commander';
import { exportSavedModelFile } from '../export/export-model.js';
import { readOnnxModelInfo } from '../export/reader.js';

interface ExportCliOptions {
  model: string;
  out: string;
  staticSize?: boolean;
}

export function register(program: Command): void {
  program
    .command('export')
    .description('write a fine-tuned segmentation network as an ONNX model (opset 17) with its preprocessing metadata')
    .requiredOption('--model <path>', 'the saved model: its folder, its model.json, or its .safetensors weights')
    .requiredOption('--out <file>', 'the ONNX file to write (.onnx)')
    .option('--static-size', "fix the input's height and width to the model's preprocessing size (default: any size)")
    .action((o: ExportCliOptions) => {
      if (!/\.onnx$/i.test(o.out)) throw new Error(`export: --out ${o.out}: expected a .onnx file`);
      const r = exportSavedModelFile(o.model, o.out, { staticSize: !!o.staticSize });
      const info = readOnnxModelInfo(o.out);
      const io = (v: { name: string; dims: (number | string)[] }): string => `${v.name} [${v.dims.join(', ')}]`;
      const m = r.meta;
      process.stdout.write(
        `${path.resolve(o.out)}: ${r.model}, opset ${info.opset}, ${r.nodes} nodes, ${r.initializers} initializers, ` +
          `${(r.bytes.length / 2 ** 20).toFixed(1)} MiB\n` +
          `  input ${io(info.inputs[0]!)}, output ${io(info.outputs[0]!)}\n` +
          `  preprocessing: preset ${m.preset}, size ${m.size}${m.spacing !== undefined ? `, spacing ${m.spacing} mm` : ''}` +
          `; classes: ${m.classes ? m.classes.join(', ') : m.numClasses}\n`,
      );
    });
}
