/**
 * Reads a CSV table of numeric features and one label column. Strict on purpose: a
 * missing or non-finite value would silently poison training, so every bad cell is
 * reported with the line an editor would show, the column and the value.
 */
import { gunzipSync } from 'node:zlib';
import { SdtError } from '../errors.js';
import { describeFsError } from '../fsErrors.js';
import { MAX_TEXT_BYTES, readBounded } from './bounded.js';

export interface CsvOptions {
  /** Column name, or 0-based index (negative counts from the end). Default: the last column. */
  labelColumn?: string | number;
}

export interface CsvTable {
  /** Raw feature values, row-major [n, featureNames.length]. */
  x: Float32Array;
  /** Index into classNames. */
  y: Int32Array;
  n: number;
  featureNames: string[];
  /** Distinct label values, sorted (numerically if all are numbers). */
  classNames: string[];
}

interface Row {
  /** 1-based line on which the row starts. */
  line: number;
  cells: string[];
}

export function readCsv(path: string, options: CsvOptions = {}): CsvTable {
  const parsed = parseRows(path, readText(path));
  if (parsed.length === 0) throw new SdtError(`CSV file ${path} has no data rows (it is empty).`);
  const counted = countHeader(parsed);
  const rows = counted ? parsed.slice(1) : parsed;
  const width = rows[0].cells.length;
  const hasHeader = detectHeader(rows, options.labelColumn);
  const columnNames = rows[0].cells.map((cell, c) => (hasHeader && cell.trim()) || `column ${c + 1}`);
  if (width < 2) {
    throw new SdtError(`CSV file ${path} has ${width} column on line ${rows[0].line}; it needs at least one feature and a label.`);
  }
  const labelIndex = resolveLabelColumn(path, columnNames, options.labelColumn);
  const dataRows = hasHeader ? rows.slice(1) : rows;
  if (dataRows.length === 0) throw new SdtError(`CSV file ${path} has a header but no data rows.`);

  const featureColumns = columnNames.map((_, c) => c).filter((c) => c !== labelIndex);
  const n = dataRows.length;
  const x = new Float32Array(n * featureColumns.length);
  const labels: string[] = [];
  dataRows.forEach((row, r) => {
    if (row.cells.length !== width) {
      throw new SdtError(
        `CSV file ${path} has a ragged row: line ${row.line} has ${row.cells.length} cells, expected ${width} as on line ${rows[0].line}.`,
      );
    }
    featureColumns.forEach((c, f) => {
      x[r * featureColumns.length + f] = parseFeature(path, row.line, columnNames[c], row.cells[c]);
    });
    const label = row.cells[labelIndex].trim();
    if (label === '') {
      throw new SdtError(`CSV file ${path}, line ${row.line}, label column "${columnNames[labelIndex]}": the label is empty.`);
    }
    labels.push(label);
  });

  const classNames = sortLabels([...new Set(labels)]);
  if (classNames.length < 2) {
    throw new SdtError(`CSV file ${path} has only one class ("${classNames[0]}") in label column "${columnNames[labelIndex]}".`);
  }
  const classIndex = new Map(classNames.map((name, k) => [name, k]));
  const y = Int32Array.from(labels, (label) => classIndex.get(label)!);
  // A count header's names belong to the labels 0…K−1 when those are exactly the labels found.
  const named = counted && labelIndex === width - 1 && counted.length === classNames.length && classNames.every((c, k) => c === String(k));
  return { x, y, n, featureNames: featureColumns.map((c) => columnNames[c]), classNames: named ? counted : classNames };
}

/**
 * Rows of a table's features without labels (unlabelled examples for a transfer set). With a
 * header, the features are found by name and any other column (a label) is ignored; without
 * one, a row holds the features in order, or one more column, the label at `labelColumn`
 * (an index, negative from the end; default the last; null: named, so only a header can
 * place it), which is ignored.
 */
export function readFeatureRows(path: string, featureNames: string[], labelColumn?: number | null): { x: Float32Array; n: number } {
  const rows = parseRows(path, readText(path));
  if (rows.length === 0) throw new SdtError(`CSV file ${path} has no data rows (it is empty).`);
  const F = featureNames.length;
  const hasHeader = rows[0].cells.some((cell) => !looksNumeric(cell));
  const width = rows[0].cells.length;
  let columns: number[];
  if (hasHeader) {
    const names = rows[0].cells.map((cell) => cell.trim());
    columns = featureNames.map((name) => {
      const c = names.indexOf(name);
      if (c < 0) throw new SdtError(`CSV file ${path} has no column named "${name}", a feature of the dataset (columns: ${names.join(', ')}).`);
      return c;
    });
  } else if (width === F || (width === F + 1 && labelColumn !== null)) {
    const index = labelColumn ?? -1;
    const label = width === F ? -1 : index < 0 ? width + index : index;
    columns = [...Array(width).keys()].filter((c) => c !== label);
  } else if (width === F + 1) {
    throw new SdtError(`CSV file ${path} has ${width} columns and no header line, and the dataset's label column is named; name the columns in a header line so the label can be told apart.`);
  } else {
    throw new SdtError(`CSV file ${path} has ${width} columns on line ${rows[0].line}, but the dataset has ${F} features (give them, with or without the label column, or name them in a header line).`);
  }
  const data = hasHeader ? rows.slice(1) : rows;
  if (data.length === 0) throw new SdtError(`CSV file ${path} has a header but no data rows.`);
  const x = new Float32Array(data.length * F);
  data.forEach((row, r) => {
    if (row.cells.length !== width) {
      throw new SdtError(`CSV file ${path} has a ragged row: line ${row.line} has ${row.cells.length} cells, expected ${width} as on line ${rows[0].line}.`);
    }
    columns.forEach((c, f) => (x[r * F + f] = parseFeature(path, row.line, hasHeader ? rows[0].cells[c].trim() : `column ${c + 1}`, row.cells[c])));
  });
  return { x, n: data.length };
}

/**
 * scikit-learn's bundled tables (breast_cancer.csv, wine_data.csv, iris.csv) open with a
 * count line, `n_samples,n_features,class names…`, shorter than the rows below. When the
 * counts match the rows that follow, that line is skipped; its class names are returned.
 */
function countHeader(rows: Row[]): string[] | null {
  if (rows.length < 2) return null;
  const [first, second] = rows;
  const [samples, features, ...names] = first.cells.map((c) => c.trim());
  const isCount = (t: string | undefined) => t !== undefined && /^\d+$/.test(t);
  if (!isCount(samples) || !isCount(features) || first.cells.length >= second.cells.length) return null;
  return Number(samples) === rows.length - 1 && Number(features) === second.cells.length - 1 ? names : null;
}

/** The file's text; gzip-compressed files (detected by their magic bytes, as scikit-learn's digits.csv.gz) are inflated. */
function readText(path: string): string {
  const bytes = readBounded(path, `CSV file ${path}`, describeFsError, MAX_TEXT_BYTES);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch {
    throw new SdtError(`CSV file ${path} starts like gzip data but cannot be decompressed (truncated or corrupt).`);
  }
}

/** RFC 4180 records: quoted cells may hold commas, doubled quotes and line breaks. Blank lines are skipped. */
function parseRows(path: string, text: string): Row[] {
  const rows: Row[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  const endRow = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0].trim() !== '') rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      rowLine = ++line;
    } else {
      cell += ch;
    }
  }
  if (quoted) throw new SdtError(`CSV file ${path} has an unclosed quote in the row starting on line ${rowLine}.`);
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}

/** Empty cells and NaN/Infinity spellings count as (bad) numbers, not names, so they are reported as data errors. */
function looksNumeric(cell: string): boolean {
  const t = cell.trim();
  return t === '' || /^[+-]?(nan|inf|infinity)$/i.test(t) || Number.isFinite(Number(t));
}

/**
 * The first row is a header if a label column is named, or if some cell of it is text
 * where the row below holds a number. Comparing with the next row (rather than "any text
 * cell") keeps a header-less file whose labels are words from losing its first example.
 */
function detectHeader(rows: Row[], labelColumn: string | number | undefined): boolean {
  if (typeof labelColumn === 'string' && !/^[+-]?\d+$/.test(labelColumn.trim())) return true;
  const [first, second] = rows;
  return first.cells.some((cell, c) => !looksNumeric(cell) && (!second || looksNumeric(second.cells[c] ?? '')));
}

function resolveLabelColumn(path: string, columnNames: string[], labelColumn: string | number | undefined): number {
  const width = columnNames.length;
  if (labelColumn === undefined) return width - 1;
  const text = String(labelColumn).trim();
  if (/^[+-]?\d+$/.test(text)) {
    const index = Number(text);
    if (index >= width || index < -width) {
      throw new SdtError(`CSV file ${path} has ${width} columns, so label column index ${index} does not exist.`);
    }
    return index < 0 ? width + index : index;
  }
  const index = columnNames.indexOf(text);
  if (index < 0) {
    throw new SdtError(`CSV file ${path} has no column named "${text}" (columns: ${columnNames.join(', ')}).`);
  }
  return index;
}

function parseFeature(path: string, line: number, column: string, cell: string): number {
  const t = cell.trim();
  const where = `CSV file ${path}, line ${line}, column "${column}"`;
  if (t === '') throw new SdtError(`${where}: the cell is empty, but every feature must be a finite number.`);
  const value = Number(t);
  if (/^[+-]?(nan|inf|infinity)$/i.test(t) || (!Number.isNaN(value) && !Number.isFinite(value))) {
    throw new SdtError(`${where}: "${t}" is not a finite number.`);
  }
  if (Number.isNaN(value)) throw new SdtError(`${where}: "${t}" is not a number, and features must be numbers (encode a category column as numbers first).`);
  if (!Number.isFinite(Math.fround(value))) throw new SdtError(`${where}: "${t}" is too large for a 32-bit float.`);
  return value;
}

function sortLabels(labels: string[]): string[] {
  const numeric = labels.every((l) => Number.isFinite(Number(l)));
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return labels.sort(numeric ? (a, b) => Number(a) - Number(b) || byText(a, b) : byText);
}
