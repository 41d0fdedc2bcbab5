#!/usr/bin/env node
// Browser test of the development-zone assessment: the Department of Commerce opens the
// ranking, reads one zone's radar chart, moves a weight and sees the ranking recomputed, and
// opens the zone's printable report.
//
// Environment (and KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD: see harness.mjs;
// screenshots default to ./zones-screenshots):
//   KAIFANG_USER      Department of Commerce account (default commerce)
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, chartSizes, check, expectChartDrawn, expectPath, expectText,
  login, openContext, openFromMenu, run, shot, step, textOf, tid } from './harness.mjs'

const USER = process.env.KAIFANG_USER || 'commerce'

const CHARTS = ['chart-zone-radar', 'chart-zone-history', 'chart-zone-pillars', 'chart-zone-typology', 'chart-zone-sensitivity']

async function rankingCodes(page) {
  return page.locator(`${tid('zones-table')} .el-table__body [data-testid^="zone-row-"]`).evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-testid').replace('zone-row-', '')),
  )
}

run({ screenshots: 'zones-screenshots', overallTimeoutMs: 90_000 }, async () => {
  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh
  let before = []

  await step(`sign in as ${USER} and open the zones page from the menu`, async () => {
    await page.goto(`${BASE}/login`)
    await login(zh, USER)
    await expectPath(page, '/')
    await openFromMenu(page, 'nav-zones', '/zones', '开发区考核')
  })

  await step('the ranking has at least 10 zones with rank intervals, labelled synthetic', async () => {
    await expectText(page, 'zones-synthetic', '合成演示数据')
    const rows = page.locator(`${tid('zones-table')} .el-table__body tr`)
    await rows.nth(9).waitFor({ state: 'visible' })
    const n = await rows.count()
    check(n >= 10, `the ranking has ${n} rows`)
    const ranks = await page.locator(`${tid('zones-table')} ${tid('zone-rank')}`).allTextContents()
    check(ranks[0].trim() === '1', `the first rank is "${ranks[0]}"`)
    const nums = ranks.map((r) => Number(r.trim()))
    check(nums.every((r, i) => i === 0 || r >= nums[i - 1]), `ranks not sorted: ${nums.join(',')}`)
    check((await page.locator(`${tid('zones-table')} ${tid('zone-interval')}`).count()) >= 10, 'rank intervals missing')
    before = await rankingCodes(page)
  })

  await step('the radar chart of the selected zone and the other charts are drawn', async () => {
    await chartSizes(page, CHARTS)
    await page.waitForTimeout(700)
    await expectChartDrawn(page, 'chart-zone-radar', { minInked: 500 })
    await expectChartDrawn(page, 'chart-zone-sensitivity', { minInked: 500 })
    await expectChartDrawn(page, 'chart-zone-typology', { minInked: 500 })
    await expectChartDrawn(page, 'chart-zone-history', { minInked: 500 })
    check((await textOf(page, 'zones-selected-name')).length > 0, 'no zone selected')
    check((await textOf(page, 'zones-suggestions')).length > 10, 'no suggestions')
  })

  await step('select the 7th zone by clicking its row', async () => {
    const seventh = before[6]
    await page.locator(tid(`zone-row-${seventh}`)).click()
    await expectText(page, 'zones-selected-rank', '第 7 位')
  })

  await step('screenshot zones-zh-1366x768.png', async () => {
    await shot(page, 'zones-zh-1366x768.png')
    // The charts below the ranking: the shell scrolls its main area, not the window.
    await page.locator('.shell__main').evaluate((el) => el.scrollTo(0, el.scrollHeight))
    await shot(page, 'zones-zh-charts-1366x768.png')
    await page.locator('.shell__main').evaluate((el) => el.scrollTo(0, 0))
  })

  await step('the page in English; screenshot zones-en-1366x768.png; back to Chinese', async () => {
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', 'Development zones')
    await expectText(page, 'zones-synthetic', 'Synthetic demo data')
    await expectText(page, 'zones-selected-rank', 'Rank 7 of')
    await shot(page, 'zones-en-1366x768.png')
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', '开发区考核')
  })

  await step('weight only green development: the ranking is recomputed with the new weights', async () => {
    const answered = page.waitForResponse(
      (r) => r.url().includes('/api/zones/assessment') && r.url().includes('weights=') && r.status() === 200,
    )
    for (const code of ['open', 'quality', 'innov', 'coord']) {
      const handle = page.locator(`${tid(`weight-slider-${code}`)} .el-slider__button-wrapper`)
      await handle.focus()
      await page.keyboard.press('Home')
      await expectText(page, `weight-value-${code}`, '0')
    }
    await answered
    await page.locator(tid('zones-whatif')).waitFor({ state: 'visible' })
    await page.waitForFunction(
      ([sel, old]) => {
        const codes = [...document.querySelectorAll(sel)].map((e) => e.getAttribute('data-testid'))
        return codes.length > 0 && codes.join() !== old
      },
      [`${tid('zones-table')} .el-table__body [data-testid^="zone-row-"]`, before.map((c) => `zone-row-${c}`).join()],
    )
    const after = await rankingCodes(page)
    check(after.length === before.length, `the ranking lost rows (${before.length} -> ${after.length})`)
    check(after.join() !== before.join(), 'the ranking did not change with other weights')
    const whatif = await textOf(page, 'zones-whatif')
    check(whatif.includes('第 7 位'), `the what-if line should compare with rank 7: "${whatif}"`)
  })

  await step('reset the weights: the original ranking returns', async () => {
    await page.locator(tid('weights-reset')).click()
    await page.waitForFunction(
      ([sel, old]) => [...document.querySelectorAll(sel)].map((e) => e.getAttribute('data-testid')).join() === old,
      [`${tid('zones-table')} .el-table__body [data-testid^="zone-row-"]`, before.map((c) => `zone-row-${c}`).join()],
    )
  })

  await step('check a filled yearly form: valid, with jumps against last year flagged', async () => {
    const fw = await (await page.request.get(`${BASE}/api/zones/framework`)).json()
    let csv = 'uCode,Time,iCode,Value,Unit\n'
    for (const n of fw.nodes.filter((x) => x.level === 1)) {
      const min = n.min ?? 0
      const v = n.max !== null && n.max < min + 1 ? (min + n.max) / 2 : min + 1
      csv += `hc-bezc,2026,${n.code},${v},${n.unit ?? ''}\n`
    }
    await page.locator(tid('zones-check-open')).click()
    await page.locator(tid('zones-check-file')).setInputFiles({ name: 'hc-2026.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await expectText(page, 'zones-check-result', '格式正确')
    check((await textOf(page, 'zones-check-result')).includes('请核实'), 'no jumps flagged')
    await page.keyboard.press('Escape')
  })

  await step("open the 7th zone's printable report", async () => {
    await page.locator(tid('zone-report-link')).click()
    await expectPath(page, `/zones/${before[6]}/report`)
    await page.locator(tid('zone-report-rank')).waitFor({ state: 'visible' })
    await expectText(page, 'zone-report-rank', '第 7 位')
    await expectText(page, 'zone-report-synthetic', '合成演示数据')
    check((await textOf(page, 'zone-report-suggestions')).length > 20, 'the report has no suggestions')
    await page.waitForTimeout(300)
    await expectChartDrawn(page, 'chart-report-radar', { minInked: 500 })
    await shot(page, 'zone-report-zh.png')
    await page.emulateMedia({ media: 'print' })
    check(!(await page.locator('.shell__aside').isVisible()), 'the menu should not print')
    await shot(page, 'zone-report-print-zh.png', { settleMs: 0, fullPage: true })
    await page.emulateMedia({ media: 'screen' })
  })
})
