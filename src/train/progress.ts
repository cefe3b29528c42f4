/**
 * Progress display for training loops: a cli-progress bar on a terminal (loss, lr, images/s, ETA), plain lines
 * otherwise (CI logs), nothing when quiet.
 */
import cliProgress from 'cli-progress';

export interface ProgressUpdate {
  step: number;
  total: number;
  epoch: number;
  loss: number;
  lr: number;
  imagesPerSec: number;
}

export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  constructor(
    private readonly label: string,
    private readonly mode: 'bar' | 'lines' | 'quiet' = process.stderr.isTTY ? 'bar' : 'lines',
  ) {}

  start(total: number, startAt: number): void {
    if (this.mode !== 'bar') return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `${this.label} [{bar}] {percentage}% | epoch {epoch} | loss {loss} | lr {lr} | {ips} img/s | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, startAt, { epoch: 0, loss: '-', lr: '-', ips: '-' });
  }

  update(u: ProgressUpdate): void {
    const payload = {
      epoch: u.epoch,
      loss: u.loss.toFixed(4),
      lr: u.lr.toExponential(2),
      ips: u.imagesPerSec.toFixed(1),
    };
    if (this.mode === 'bar') this.bar?.update(u.step, payload);
    else if (this.mode === 'lines') {
      const now = Date.now();
      if (now - this.lastLine > 5000 || u.step === u.total) {
        this.lastLine = now;
        process.stderr.write(
          `${this.label}: step ${u.step}/${u.total} epoch ${u.epoch} loss ${payload.loss} lr ${payload.lr} ${payload.ips} img/s\n`,
        );
      }
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
