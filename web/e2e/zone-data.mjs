#!/usr/bin/env node
// Browser test of zones' yearly data collection: Hunchun's staff open their zone's form, enter
// a value that jumps against last year (flagged inline), save and submit it; the Department of
// Commerce finds it in the review list, sees the jump and approves it.
//
// Environment (and KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD: see harness.mjs;
// screenshots default to ./zone-data-screenshots).
//
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, check, expectPath, expectText, inputOf, login, logout, openContext, openFromMenu,
  run, shot, step, tableRows, tid } from './harness.mjs'

const ZONE = 'hc-bezc'
const YEAR = 2025

run({ screenshots: 'zone-data-screenshots', overallTimeoutMs: 90_000 }, async () => {
  const zh = await openContext('zh', 'zh-CN')
  const { page } = zh

  await step('Hunchun signs in and opens the zone data page from the menu', async () => {
    await page.goto(`${BASE}/login`)
    await login(zh, 'hunchun')
    await expectPath(page, '/')
    await openFromMenu(page, 'nav-zone-data', '/zones/data', '开发区数据报送')
  })

  await step(`the form of ${ZONE} for ${YEAR} lists the indicators with last year's values`, async () => {
    await page.goto(`${BASE}/zones/data?zone=${ZONE}&year=${YEAR}`)
    await expectText(page, 'form-state', '未填报')
    const rows = await tableRows(page, 'form-table')
    check((await rows.count()) >= 10, 'fewer than 10 indicators')
    check((await page.locator(tid('download-template')).getAttribute('href')).endsWith(`/${ZONE}/submissions/${YEAR}/template`),
      'the template link is not the zone\'s')
  })

  await step('a value ten times last year is flagged as a jump while typing', async () => {
    await inputOf(page, 'value-open_fdi').fill('9999999')
    await inputOf(page, 'value-open_fdi').press('Tab')
    await page.locator(tid('jump-open_fdi')).waitFor({ state: 'visible' })
  })

  await step('save the draft, then submit it for review', async () => {
    await page.locator(tid('save-draft')).click()
    await expectText(page, 'form-state', '草稿')
    await page.locator(tid('submit')).click()
    await expectText(page, 'form-state', '待审核')
    check(!(await page.locator(tid('save-draft')).isVisible()), 'a submitted form is still editable')
    await shot(page, 'zone-data-staff-zh.png')
  })

  await step('the Department of Commerce finds it in the review list with one warning', async () => {
    await logout(zh)
    await login(zh, 'commerce')
    await page.goto(`${BASE}/zones/data`)
    const rows = await tableRows(page, 'submission-list')
    const text = await rows.first().textContent()
    check(text.includes('珲春边境经济合作区'), `the first row is "${text}"`)
    check(text.includes('待审核'), `the first row is not submitted: "${text}"`)
    await rows.first().click()
    await expectText(page, 'form-state', '待审核')
    await page.locator(tid('jump-open_fdi')).waitFor({ state: 'visible' })
  })

  await step('approve: the form is approved and its value enters the assessment', async () => {
    await page.locator(tid('approve')).click()
    await expectText(page, 'form-state', '已通过')
    await shot(page, 'zone-data-review-zh.png')
    const a = await (await page.request.get(`${BASE}/api/zones/assessment?year=${YEAR}&uncertainty=0`)).json()
    const approved = a.data_sources.approved
    check(approved.some((v) => v.zone_code === ZONE && v.indicator === 'open_fdi' && v.value === 9999999),
      `the assessment does not list the approved value: ${JSON.stringify(approved)}`)
  })
})
