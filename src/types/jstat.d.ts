/** The part of jStat (no published types) sdt uses: Student's t distribution. */
declare module 'jstat' {
  export const jStat: { studentt: { cdf(x: number, degreesOfFreedom: number): number } };
}
