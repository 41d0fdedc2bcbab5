// ISO 3166-1 alpha-2 → numeric code (the `id` of world-atlas features), for the partner
// countries of data/trade/countries.csv. Source: ISO 3166-1 (Debian iso-codes, iso_3166-1.json).
export const ISO_NUMERIC: Readonly<Record<string, string>> = {
  AE: '784', AF: '004', AL: '008', AM: '051', AT: '040', AU: '036', AZ: '031', BD: '050',
  BE: '056', BG: '100', BH: '048', BN: '096', BR: '076', BT: '064', BY: '112', CA: '124',
  CH: '756', CL: '152', CN: '156', CY: '196', CZ: '203', DE: '276', DK: '208', EE: '233',
  ES: '724', FI: '246', FR: '250', GB: '826', GE: '268', GR: '300', HK: '344', HR: '191',
  HU: '348', ID: '360', IE: '372', IL: '376', IN: '356', IQ: '368', IR: '364', IS: '352',
  IT: '380', JO: '400', JP: '392', KG: '417', KH: '116', KP: '408', KR: '410', KW: '414',
  KZ: '398', LA: '418', LB: '422', LK: '144', LT: '440', LU: '442', LV: '428', MD: '498',
  MM: '104', MN: '496', MO: '446', MT: '470', MV: '462', MX: '484', MY: '458', NL: '528',
  NO: '578', NP: '524', NZ: '554', OM: '512', PH: '608', PK: '586', PL: '616', PS: '275',
  PT: '620', QA: '634', RO: '642', RS: '688', RU: '643', SA: '682', SE: '752', SG: '702',
  SI: '705', SK: '703', SY: '760', TH: '764', TJ: '762', TL: '626', TM: '795', TR: '792',
  TW: '158', UA: '804', US: '840', UZ: '860', VN: '704', YE: '887', ZA: '710',
}
