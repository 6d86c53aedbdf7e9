/** Training curves of every row that has a history: loss and validation accuracy per epoch. */
import { linePlot } from '../../viz/index.js';
import type { ReportRow } from './data.js';

export interface Figure {
  title: string;
  svg: string;
  file: string;
}

export function trainingCurves(rows: ReportRow[]): Figure[] {
  const trained = rows.filter((r) => r.curve.length > 0);
  if (trained.length === 0) return [];
  const seeds = (r: ReportRow) => (r.runs.length > 1 ? ` (mean of ${r.runs.length})` : '');
  const series = (value: 'loss' | 'validationAccuracy') =>
    trained.map((r) => ({
      name: r.label + seeds(r),
      dashed: r.command === 'baseline',
      points: r.curve.map((p) => ({ x: p.epoch, y: value === 'loss' ? p.loss : p.validationAccuracy * 100 })),
    }));
  const epochs = Math.max(...trained.flatMap((r) => r.curve.map((p) => p.epoch)));
  const xTicks = epochs <= 12 ? Array.from({ length: epochs }, (_, i) => i + 1) : undefined;
  return [
    {
      title: 'Training loss per epoch',
      file: 'curves-loss.svg',
      svg: linePlot({ series: series('loss'), xLabel: 'epoch', yLabel: 'training loss', title: 'Training loss per epoch', xTicks }),
    },
    {
      title: 'Validation accuracy per epoch',
      file: 'curves-validation.svg',
      svg: linePlot({
        series: series('validationAccuracy'),
        xLabel: 'epoch',
        yLabel: 'validation accuracy (%)',
        title: 'Validation accuracy per epoch',
        xTicks,
        yFormat: (v) => `${Math.round(v * 10) / 10}`,
      }),
    },
  ];
}
