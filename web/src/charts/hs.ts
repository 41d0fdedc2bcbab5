// HS 2022 sections by their first chapter (data/trade/hs_sections.csv): the section of a
// chapter is the last one starting at or before it.
const SECTION_STARTS = [1, 6, 15, 16, 25, 28, 39, 41, 44, 47, 50, 64, 68, 71, 72, 84, 86, 90, 93, 94, 97]

export function sectionOfChapter(chapter: string): number | null {
  const c = Number(chapter)
  if (!Number.isInteger(c) || c < 1 || c > 97) return null
  let s = 0
  SECTION_STARTS.forEach((start, i) => {
    if (c >= start) s = i + 1
  })
  return s || null
}
