/**
 * What kind of network an address belongs to, from its ASN and the organisation name the
 * ASN data carries (ip-location-db's asn package, stored with every event as asn_org).
 *
 * Location detectors need it because networks move "where" differently: cloud and hosting
 * egress changes region with a deployment, VPN exits are chosen by the user from a list of
 * countries, mobile carriers route through gateways hundreds of kilometres away. None of
 * that is anyone travelling. A home broadband line or an office does not move.
 *
 * The classification is by name patterns of the organisation plus the best-known ASNs
 * whose names say nothing (Verizon Business also runs Verizon Wireless). It is
 * deliberately coarse: a wrong "fixed" makes a location detector as strict as it was
 * before, a wrong "hosting" only makes it ask for corroboration it would otherwise skip.
 */

/**
 * hosting: cloud and data centres; vpn: commercial VPN and Tor exits; gateway: secure web
 * gateways (SASE: a company's traffic leaves through its vendor's points of presence);
 * satellite: geostationary satellite operators (in-flight and maritime Wi-Fi, VSAT: the
 * address is a ground station's); mobile: carriers; fixed: everything else.
 */
export type NetworkClass = 'hosting' | 'vpn' | 'gateway' | 'satellite' | 'mobile' | 'fixed';

/** Networks that move without anyone travelling. */
export const MOVING_CLASSES: ReadonlySet<NetworkClass> = new Set(['hosting', 'vpn', 'gateway', 'satellite', 'mobile']);

const HOSTING_ORG =
  /\b(amazon|aws|google|microsoft|azure|digitalocean|ovh|hetzner|linode|akamai|vultr|the constant company|choopa|scaleway|online s\.?a\.?s|leaseweb|contabo|selectel|oracle|alibaba|tencent|huawei cloud|cloudflare|fastly|ionos|hostinger|hostwinds|godaddy|rackspace|softlayer|ibm cloud|equinix|colocrossing|psychz|quadranet|servers\.com|hivelocity|limestone|kamatera|upcloud|timeweb|aeza|serverius|worldstream|nforce|i3d|gcore|g-core|stark industries|cherry servers|hosting|datacenter|data center|data centre|cloud|colo|server|vps)\b/i;

const VPN_ORG =
  /\b(m247|datacamp|cdn77|packethub|nordvpn|tefincom|mullvad|31173 services|proton|private internet access|london trust media|expressvpn|express vpn|surfshark|ipvanish|cyberghost|hide\.?me|windscribe|torguard|vpn|tor exit|zenlayer|tzulo|performive|xtom|emerald onion|applied privacy|erneuerbare freiheit|zwiebelfreunde)\b/i;

const MOBILE_ORG =
  /(mobile|mobil\b|movil|móvil|movel|móvel|wireless|cellular|selular|celular|\b3g\b|hutchison|telcel|radiomovil|megafon|safaricom|vodacom|reliance jio|kyivstar|\bmtn\b|telkomsel|free mobile|odido|one new zealand|wind tre|\bm1 limited|emirates integrated|cellco|sprint|boost|cricket|jazz|ooredoo|zain|globe telecom|smart communications|ais\b|dtac|true move|xl axiata|indosat|ncell|grameenphone|robi)/i;

/** ASNs of carriers whose organisation name does not say "mobile" (or says a business name). */
const MOBILE_ASNS = new Set([
  6167, 22394, // Verizon Wireless (Cellco), named "Verizon Business"
  20057, // AT&T Mobility, named "AT&T Enterprises"
  21928, // T-Mobile US: its IPv6 ranges carry no organisation in the ASN data
  // Carriers that run only mobile networks, for events whose gateway reported an ASN
  // without the organisation (and for ASN data that lacks it):
  55836, // Reliance Jio
  1267, // Wind Tre
  4773, // M1
  9500, // One NZ
  15895, // Kyivstar
  23693, // Telkomsel
  28403, // Telcel (Radiomovil Dipsa)
  31213, // MegaFon
  33771, // Safaricom
  36994, // Vodacom
  51207, // Free Mobile
  25135, // Vodafone UK
  35228, // O2 UK, named "Telefonica UK" (mobile only since its broadband went to Sky)
  12576, // EE
  9605, // NTT Docomo
  26615, // TIM Brasil
  16135, // Turkcell
  15924, // Vodafone Turkey
  132199, // Globe Telecom
  6805, // Telefonica Germany (O2)
  12430, // Vodafone Spain
  30722, // Vodafone Italia
  26599, // Vivo (Telefonica Brasil)
  15802, // du
  50266, // Odido
  206067, // Three UK
  8359, // MTS
  45609, // Bharti Airtel mobile (its fixed lines are AS24560)
  55410, 45271, 38266, // Vodafone Idea (Vi), India's third mobile operator, named "Vodafone Idea Ltd."
  29465, // MTN Nigeria
]);

/** Big clouds by ASN, whatever their name data says this year. */
const HOSTING_ASNS = new Set([16509, 14618, 8987, 15169, 396982, 19527, 8075, 8068, 14061, 16276, 24940, 63949, 20473, 12876, 60781, 51167, 49505, 31898, 45102, 37963, 132203, 13335]);

const VPN_ASNS = new Set([
  9009, 60068, 212238, 136787, 207137, 39351, 147049,
  // Tor exit operators: organisations whose networks are Tor exit relays, the largest
  // exit capacity by AS on Tor Metrics. An address on them is wherever the circuit ends, not
  // where its user is: like a VPN exit, chosen anew every few minutes.
  205100, // F3 Netze
  60729, // Stiftung Erneuerbare Freiheit
  208323, // Foundation for Applied Privacy
  198093, // DFRI (Foreningen for digitala fri- och rattigheter)
  215125, // Church of Cyberology (Nothing to hide)
  210731, // DotSrc
  396507, // Emerald Onion
]);

/**
 * Secure web gateways (SASE, cloud proxies): a managed device's traffic leaves through the
 * vendor's point of presence the vendor picks (latency, failover), in whatever country
 * that is, not where the device is. Unlike a VPN exit or a cloud region, the choice is
 * the vendor's and its points of presence are its own: a user behind Netskope is normal on
 * Netskope in another country, and says nothing about any cloud (places.ts, withinSpread).
 */
const GATEWAY_ORG = /\b(zscaler|netskope|opendns|cisco umbrella|forcepoint|iboss|menlo security|cato networks|skyhigh security)\b/i;
const GATEWAY_ASNS = new Set([
  22616, 53813, 62044, // Zscaler
  55256, // Netskope
  36692, // Cisco Umbrella (OpenDNS)
]);

/**
 * Satellite operators whose traffic comes down at a teleport (gateway earth station):
 * in-flight Wi-Fi (Intelsat/Gogo, Viasat, Panasonic Avionics, Inmarsat GX), ships and rigs
 * on VSAT. The address is the teleport's, thousands of kilometres from the user, and it
 * changes with each beam or teleport handover: a passenger over the Atlantic is in Britain,
 * then in Canada, minutes apart. Its place says nothing about where anyone is. (Starlink
 * is not here: its addresses are its points of presence near its users, like a carrier's.)
 */
const SATELLITE_ORG = /\b(intelsat|viasat|inmarsat|panasonic avionics|gogo|anuvu|global eagle|marlink|speedcast|kvh industries|hughes network|eutelsat|ses astra|yahsat|thuraya|iridium)\b/i;
const SATELLITE_ASNS = new Set([
  22351, // Intelsat
  7155, // Viasat
  31515, // Inmarsat
]);

/**
 * Networks known to be fixed lines (cable, fibre, DSL): named so, or the big cable and
 * fibre operators by name or number. A network classified `fixed` only because nothing
 * says otherwise may be a national carrier that also runs mobile (Bharti Airtel, Deutsche
 * Telekom): its addresses move across the country with its phones. Only a known fixed line
 * is held to "does not move" (places.ts, knownNetwork).
 */
const FIXED_LINE_ORG =
  /\b(cable|cablevision|broadband|fiber|fibre|ftth|fttx|dsl|adsl|vdsl|comcast|charter|spectrum|cox communications|altice|optimum|mediacom|frontier|centurylink|lumen|windstream|rcn|astound|sonic|virgin media|talktalk|hyperoptic|ziggo|telenet|kabel|unitymedia|shaw|cogeco|videotron)\b/i;

const FIXED_LINE_ASNS = new Set([
  7922, // Comcast
  20115, 11427, 10796, 12271, 20001, 33363, // Charter / Spectrum
  22773, // Cox
  701, // Verizon Business (FiOS)
  6128, // Altice (Optimum)
  30036, // Mediacom
  5650, // Frontier
  209, // CenturyLink / Lumen
  5089, // Virgin Media
  13285, // TalkTalk
  9143, // Ziggo
  6327, // Shaw
]);

/** A network known to be a fixed line, not merely not known to be anything else. */
export function isFixedLine(asn: number, org: string): boolean {
  return classifyNetwork(asn, org) === 'fixed' && (FIXED_LINE_ASNS.has(asn) || FIXED_LINE_ORG.test(org));
}

const cache = new Map<string, NetworkClass>();

export function classifyNetwork(asn: number, org: string): NetworkClass {
  const key = `${asn}|${org}`;
  let kind = cache.get(key);
  if (kind) return kind;
  if (VPN_ASNS.has(asn) || VPN_ORG.test(org)) kind = 'vpn';
  else if (GATEWAY_ASNS.has(asn) || GATEWAY_ORG.test(org)) kind = 'gateway';
  else if (SATELLITE_ASNS.has(asn) || SATELLITE_ORG.test(org)) kind = 'satellite';
  else if (MOBILE_ASNS.has(asn) || MOBILE_ORG.test(org)) kind = 'mobile';
  else if (HOSTING_ASNS.has(asn) || HOSTING_ORG.test(org)) kind = 'hosting';
  else kind = 'fixed';
  if (cache.size > 100_000) cache.clear();
  cache.set(key, kind);
  return kind;
}

/**
 * Who runs a network, for telling networks apart: the first word of its organisation's
 * name, else its number. One operator's several ASNs (a dual-stack line's IPv4 and IPv6,
 * a cloud's regions: AMAZON-02 and AMAZON-AES) are one network to a credential.
 */
export function organisation(v: { asn: number; asn_org: string }): string {
  return OPERATOR_OF_ASN.get(v.asn) ?? (v.asn_org.toLowerCase().replace(/[^a-z0-9 ]/g, ' ').trim().split(/\s+/)[0] || `as${v.asn}`);
}

/** The big clouds' several ASNs, for events that name the network by number alone (no organisation). */
const OPERATOR_OF_ASN = new Map<number, string>([
  [16509, 'amazon'], [14618, 'amazon'], [8987, 'amazon'],
  [15169, 'google'], [396982, 'google'], [19527, 'google'],
  [8075, 'microsoft'], [8068, 'microsoft'],
]);

/**
 * Backbone carriers: networks that sell transit and business lines, not home broadband
 * (Cogent, GTT, NTT America, Zayo, Lumen, Arelion, Hurricane Electric, Tata, PCCW). An
 * address on one is an office's or a data centre's line: a corporate VPN concentrator or
 * a split tunnel's office egress, not a home line a residential proxy rents.
 */
const BACKBONE_ASNS = new Set([174, 3257, 2914, 6461, 3356, 3549, 1299, 6939, 6453, 3491]);
const BACKBONE_ORG = /\b(cogent|gtt communications|zayo|level 3|arelion|telia carrier|hurricane electric|tata communications|pccw global|ntt america)\b/i;

export function isBackbone(asn: number, org: string): boolean {
  return BACKBONE_ASNS.has(asn) || BACKBONE_ORG.test(org);
}

/** The network of a place moves without travel (cloud, VPN, carrier). */
export function moves(asn: number, org: string): boolean {
  return MOVING_CLASSES.has(classifyNetwork(asn, org));
}
