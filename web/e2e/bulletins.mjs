#!/usr/bin/env node
// Browser test of the monthly bulletin (月度通报): the Department of Commerce opens the page
// from the menu, right after the overview; the month offered is the latest trade month and the
// summary preview carries the cockpit's own sentences. It issues a DOCX bulletin, whose
// progress bar runs until the job is done, and the new bulletin heads the archive as DOCX,
// labelled synthetic; then a PDF, whose row shows its pages, and whose file, fetched through
// its download link, is a PDF with the SHA-256 the archive states. The page in English. A
// leader reads the archive but has no form to issue one, and copies a bulletin's SHA-256;
// Hunchun's city government has no such menu entry and is turned away from the address.
//
// Environment: KAIFANG_URL, CHROMIUM, SCREENSHOT_DIR, KAIFANG_PASSWORD (see harness.mjs).
// Prints "ok - <step>" per step and exits 1 with "not ok - <step>: <reason>" on the first failure.
import { BASE, StepError, check, expectPath, expectText, inputOf, login, logout, openContext, openFromMenu, run, shot, step, tableRows, textOf, tid, visible } from './harness.mjs'

/** GET `path` as the signed-in user, as JSON. */
async function getJson(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(p, { headers: { Accept: 'application/json' } })
    if (!r.ok) throw new Error(`GET ${p} answered ${r.status}`)
    return r.json()
  }, path)
}

/** The test ids of the menu entries shown, in order. */
async function menu(page) {
  return page.locator('[data-testid^="nav-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))
}

/** Every summary sentence must be in the preview list. */
async function expectSentences(page, sentences) {
  check(sentences.length > 0, '/api/overview gives no summary sentences')
  await visible(page, 'bulletin-sentences', 'the summary preview')
  const shown = await page.locator(tid('bulletin-sentence')).allTextContents()
  check(shown.length === sentences.length, `${shown.length} sentences shown, /api/overview gives ${sentences.length}`)
  sentences.forEach((s, i) => check(shown[i].trim() === s, `sentence ${i + 1} reads "${shown[i]}", /api/overview gives "${s}"`))
}

/**
 * Chooses `format`, issues, and follows the job: the progress bar must appear and go, the
 * confirmation come. Returns the bulletin the archive then lists first, and the progress values seen.
 */
async function issue(page, format) {
  await page.locator(tid('bulletin-format')).getByText(format === 'pdf' ? 'PDF' : 'DOCX', { exact: true }).click()
  // Watch the progress bar from the moment of the click: a short job shows it only briefly.
  await page.evaluate(() => {
    const seen = []
    window.__bulletinProgress = seen
    const look = () => {
      const bar = document.querySelector('[data-testid="bulletin-progress"] [role="progressbar"], [data-testid="bulletin-progress"][role="progressbar"]')
      if (bar) seen.push(Number(bar.getAttribute('aria-valuenow')))
    }
    const observer = new MutationObserver(look)
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] })
    window.__bulletinObserver = observer
  })
  const before = (await getJson(page, '/api/bulletins')).items.length
  await page.locator(tid('bulletin-submit')).click()
  try {
    await page.locator(tid('bulletin-issued')).or(page.locator(tid('bulletin-error'))).first().waitFor({ state: 'visible', timeout: 150_000 })
  } catch {
    throw new StepError(`the ${format} bulletin was not issued within 150 s`)
  }
  if (await page.locator(tid('bulletin-error')).isVisible()) {
    throw new StepError(`issuing failed: ${await textOf(page, 'bulletin-error')}`)
  }
  const seen = await page.evaluate(() => {
    window.__bulletinObserver.disconnect()
    return window.__bulletinProgress
  })
  check(seen.length > 0, 'no progress bar was shown while the bulletin was issued')
  check((await page.locator(tid('bulletin-progress')).count()) === 0, 'the progress bar is still shown')
  const list = (await getJson(page, '/api/bulletins')).items
  check(list.length === before + 1, `the archive holds ${list.length} bulletins, was ${before}`)
  const b = list[0]
  check(b.format === format, `the newest bulletin is ${b.format}, ${format} was issued`)
  return { b, seen }
}

/** The archive's first row must be the bulletin `b`. */
async function expectFirstRow(page, b) {
  const rows = await tableRows(page, 'bulletin-table')
  const first = rows.first()
  try {
    await first.locator(tid(`bulletin-format-${b.id}`)).waitFor({ state: 'visible' })
  } catch {
    throw new StepError(`the archive's first row is not bulletin ${b.id}: "${((await first.textContent()) ?? '').trim()}"`)
  }
  return first
}

run({ screenshots: 'bulletin-screenshots', overallTimeoutMs: 230_000, stepTimeoutMs: 20_000, failureShot: 'bulletins-failure.png' }, async () => {
  const ctx = await openContext('zh', 'zh-CN')
  const { page } = ctx

  let cockpit = null
  await step('the Department of Commerce opens 月度通报 from the menu, right after the overview', async () => {
    await page.goto(`${BASE}/login`)
    await login(ctx, 'commerce')
    await expectPath(page, '/')
    const entries = await menu(page)
    check(entries[0] === 'nav-overview' && entries[1] === 'nav-bulletins', `the menu begins ${entries.slice(0, 3).join(', ')}`)
    await openFromMenu(page, 'nav-bulletins', '/bulletins', '月度通报')
    await visible(page, 'bulletin-form', 'the form to issue a bulletin')
    await visible(page, 'bulletin-table', 'the archive')
    await expectText(page, 'bulletin-immutable', 'SHA-256')
    await expectText(page, 'bulletin-immutable', '不再修改')
  })

  await step("the latest trade month is offered; the summary preview is the cockpit's sentences", async () => {
    cockpit = await getJson(page, '/api/overview')
    const period = cockpit.trade?.period
    check(/^\d{4}-\d{2}$/.test(period ?? ''), `the cockpit's trade period is ${period}`)
    const month = inputOf(page, 'bulletin-month')
    await page.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.value === want,
      [`${tid('bulletin-month')} input, input${tid('bulletin-month')}`, period],
    ).catch(async () => {
      throw new StepError(`the month picker shows "${await month.inputValue()}", the latest trade month is ${period}`)
    })
    await expectText(page, 'bulletin-summary', '本月要点')
    // The preview is of the month chosen: its trade and investment, as the bulletin will say.
    cockpit = await getJson(page, `/api/overview?month=${period}`)
    await expectSentences(page, cockpit.summary_zh)
  })

  let docx = null
  await step('a DOCX bulletin: the progress bar runs to the end, the new row heads the archive', async () => {
    const { b, seen } = await issue(page, 'docx')
    docx = b
    check(b.month === cockpit.trade.period && b.lang === 'zh', `the bulletin is of ${b.month} in ${b.lang}`)
    check(b.pages === null || b.pages === undefined, `a DOCX has pages ${b.pages}`)
    check(seen.every((v) => v >= 0 && v <= 100), `progress values ${seen.join(', ')}`)
    const row = await expectFirstRow(page, b)
    await expectText(page, `bulletin-format-${b.id}`, 'DOCX')
    await expectText(page, `bulletin-month-${b.id}`, b.month)
    if (b.synthetic) await expectText(page, `bulletin-synthetic-${b.id}`, '合成演示数据')
    const text = ((await row.textContent()) ?? '').trim()
    check(text.includes('中文') && text.includes(b.sha256.slice(0, 12)) && text.includes('commerce'), `the row reads "${text}"`)
    await expectText(page, 'bulletin-issued', 'DOCX')
    const href = await page.locator(tid('bulletin-issued-download')).getAttribute('href')
    check(href === `/api/bulletins/${b.id}/file`, `the confirmation links to ${href}`)
  })

  let pdf = null
  await step('a PDF bulletin: its row shows its pages, above the DOCX', async () => {
    const { b } = await issue(page, 'pdf')
    pdf = b
    check(Number.isInteger(b.pages) && b.pages >= 1, `the PDF has pages ${b.pages}`)
    const row = await expectFirstRow(page, b)
    await expectText(page, `bulletin-format-${b.id}`, 'PDF')
    const pages = await textOf(page, `bulletin-pages-${b.id}`)
    check(pages === String(b.pages), `the row shows ${pages} pages, the archive ${b.pages}`)
    await expectText(page, 'bulletin-issued', `${b.pages} 页`)
    const second = (await tableRows(page, 'bulletin-table')).nth(1)
    check((await second.locator(tid(`bulletin-format-${docx.id}`)).count()) === 1, 'the DOCX is not the second row')
    check((await row.locator(tid(`bulletin-download-${b.id}`)).count()) === 1, 'the PDF row has no download link')
  })

  await step('the PDF downloaded through its link begins %PDF- and has the SHA-256 the archive states', async () => {
    const link = page.locator(tid(`bulletin-download-${pdf.id}`))
    const href = await link.getAttribute('href')
    check(href === `/api/bulletins/${pdf.id}/file`, `the download link is ${href}`)
    check((await link.getAttribute('download')) !== null, 'the link does not download')
    const got = await page.evaluate(async (h) => {
      const r = await fetch(h)
      const bytes = new Uint8Array(await r.arrayBuffer())
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
      return {
        status: r.status,
        type: r.headers.get('content-type'),
        disposition: r.headers.get('content-disposition'),
        head: String.fromCharCode(...bytes.slice(0, 5)),
        length: bytes.length,
        sha256: Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join(''),
      }
    }, href)
    check(got.status === 200, `the file answered ${got.status}`)
    check(got.head === '%PDF-', `the file begins "${got.head}"`)
    check(got.type === 'application/pdf', `the file's type is ${got.type}`)
    check((got.disposition ?? '').startsWith('attachment'), `the file's disposition is ${got.disposition}`)
    check(got.length === pdf.bytes, `${got.length} bytes downloaded, the archive states ${pdf.bytes}`)
    check(got.sha256 === pdf.sha256, `the file's SHA-256 is ${got.sha256}, the archive states ${pdf.sha256}`)
    const shown = page.locator(tid(`bulletin-sha-${pdf.id}`))
    check((await shown.getAttribute('data-sha256')) === pdf.sha256, 'the row does not carry the full SHA-256')
    await page.mouse.move(700, 90)
    await page.evaluate(() => document.querySelector('.el-main')?.scrollTo(0, 0))
    await shot(page, 'bulletins-zh-1366x768.png', { settleMs: 500 })
  })

  await step('the page in English: the preview in English, the archive labelled in English', async () => {
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', 'Monthly bulletin')
    await expectText(page, 'bulletin-summary', "This month's summary")
    await expectText(page, 'bulletin-form', 'Issue a bulletin')
    await expectSentences(page, cockpit.summary_en)
    const head = (await page.locator(`${tid('bulletin-table')} .el-table__header`).textContent()) ?? ''
    check(head.includes('Month') && head.includes('Pages') && head.includes('SHA-256'), `the table header reads "${head}"`)
    if (pdf.synthetic) await expectText(page, `bulletin-synthetic-${pdf.id}`, 'Synthetic demo data')
    await expectText(page, 'bulletin-immutable', 'never changed')
    await page.mouse.move(700, 90)
    await shot(page, 'bulletins-en-1366x768.png', { settleMs: 500 })
    await page.locator(tid('lang-switch')).click()
    await expectText(page, 'page-title', '月度通报')
  })

  await step("a leader reads the archive but has no form to issue a bulletin; copies a bulletin's SHA-256", async () => {
    await logout(ctx)
    await login(ctx, 'leader')
    await expectPath(page, '/')
    await openFromMenu(page, 'nav-bulletins', '/bulletins', '月度通报')
    const rows = await tableRows(page, 'bulletin-table')
    await page.locator(tid(`bulletin-format-${pdf.id}`)).waitFor({ state: 'visible' })
    check((await rows.count()) >= 2, `the leader sees ${await rows.count()} bulletins`)
    await expectSentences(page, cockpit.summary_zh)
    check((await page.locator(tid('bulletin-form')).count()) === 0, 'the leader sees the form to issue a bulletin')
    check((await page.locator(tid('bulletin-submit')).count()) === 0, 'the leader sees the issue button')
    await ctx.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE })
    await page.locator(tid(`bulletin-copy-${pdf.id}`)).click()
    await page.locator('.el-message--success').filter({ hasText: '已复制 SHA-256' }).waitFor({ state: 'visible' })
    const copied = await page.evaluate(() => navigator.clipboard.readText())
    check(copied === pdf.sha256, `the clipboard holds "${copied}", the SHA-256 is ${pdf.sha256}`)
  })

  await step("Hunchun's city government has no menu entry and is turned away from the address", async () => {
    await logout(ctx)
    await login(ctx, 'hunchun')
    await expectPath(page, '/')
    await visible(page, 'nav-overview', 'the menu')
    check((await page.locator(tid('nav-bulletins')).count()) === 0, 'the city government sees the bulletin menu entry')
    await page.goto(`${BASE}/bulletins`)
    await expectPath(page, '/')
    check((await page.locator(tid('bulletin-table')).count()) === 0, 'the city government sees the archive')
  })
})
