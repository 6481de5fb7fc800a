/** Package-relative names of the data geoip ships with (npm packages; licences and dates in the README). */
export const BUNDLED_DATA = {
  location: '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb',
  /** ip-location-db's ASN CSV, numeric addresses (see asn-table.ts); the inspect package ships the table built from them instead. */
  asnIpv4: '@ip-location-db/asn/asn-ipv4-num.csv',
  asnIpv6: '@ip-location-db/asn/asn-ipv6-num.csv',
} as const;
