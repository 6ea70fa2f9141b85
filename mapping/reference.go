package mapping

// Reference is the mapping file's reference, as `acimport help mapping` prints it: every key,
// type, date format letter, matching mode, mode and action. TestReferenceIsComplete holds it to
// the parser's own lists.
const Reference = `The mapping file (YAML) says how the columns of a CSV file become the fields of Altcraft
profiles. "acimport init FILE" writes a first one for you; "acimport check -m MAPPING FILE"
shows what it makes of every row.

EXAMPLE
  db_id: 5
  mode: upsert
  matching: email
  csv: { delimiter: ";", encoding: windows-1251 }
  fields:
    email:  { column: "E-mail", type: email }
    _fname: "First name"
    _bdate: { column: Birthday, type: date, format: DD.MM.YYYY }
    _sex:   { column: Gender, type: enum, values: { M: male, F: female } }
    phones: { column: Phone, type: phone, region: RU }
    CRM_ID: { column: "CRM ID", type: int }
    Points: { column: Bonus, type: int, action: incr }
    _lname: { column: Surname, on_empty: unset }
    source: { value: spring-migration }
  subscriptions:
    - { channel: email, resource_id: 1, email: { column: "E-mail" } }

TOP-LEVEL KEYS
  db_id          the profile database's id, a positive integer (required)
  mode           upsert   add a profile or update the one the key finds (profiles/import) [default]
                 update   only update existing profiles, never create one (profiles/update)
                 add      only add, without looking up (profiles/add); import --mode overrides it
  matching       how the platform finds an existing profile [default: email]
  match          where the matching key comes from (below)
  timezone       the IANA zone datetime values are read in, e.g. Europe/Moscow [default: UTC]
  csv            how the CSV file is read (below)
  options        passed through to every request (below)
  fields         profile field name → where its value comes from (required; below)
  subscriptions  a list of subscriptions to add to every profile (below)
  opt_out_evidence  ignore: let a constant status subscribed (or none) through for an input
                 whose name or columns show opt-outs (UNSUB_TIME, "unsub" in the name, ...);
                 without it such a run stops before the first request (see STATUSES)

MATCHING MODES (matching:)
  email            by email address: the field email, or match.column
  email_profile    by email address, as the API defines email_profile
  email_sub        by email subscription: also needs match.resource_id
  phone            by phone number: the field phones, or match.column
  phone_sub        by phone subscription: also needs match.resource_id
  profile_id       by the platform's profile id: needs match.column; never creates a profile
  custom           by a custom field: needs match.field (its name) and that field or match.column
  custom_sub       as custom, by a subscription: also needs match.resource_id
  email_phone      by email or phone, whichever the row has: the fields email and phones
  email_phone_sub  as email_phone, by subscriptions: also needs match.resource_id
  A row whose key is empty is rejected (missing_key). push_sub cannot be used: a CSV row has
  no push subscription to match by.

MATCH KEYS (match:)
  column         the CSV column holding the key [default: the column of the field email or phones]
  field          for custom and custom_sub: the custom field's name (sent as field_name)
  resource_id    for the *_sub modes: the resource of the subscription

CSV KEYS (csv:)
  delimiter      one character, tab, or auto (the most frequent of , ; tab | in the header) [","]
  encoding       utf-8 (a BOM is skipped), utf-16 (with a BOM), utf-16le, utf-16be, windows-1251,
                 windows-1252, iso-8859-1, koi8-r, or auto [utf-8]
  lazy_quotes    true: a stray " inside an unquoted cell is kept as text, as spreadsheets read it
  skip_lines     how many lines above the header to pass over (a title, a group row) [0]; the
                 reject file starts with the same lines, so the same mapping reads it back
  sheet          for an .xlsx workbook: the sheet's name or 1-based number [the first sheet with a row];
                 skip_lines then counts the sheet's rows above the header
  Excel's first line "sep=;" sets the delimiter whatever the mapping says.

OPTIONS KEYS (options:)
  skip_triggers               true/false: do not start triggers and scenarios
  detect_geo                  true/false: derive the location from _ip
  skip_invalid_subscriptions  true/false: import the profile even if a subscription is invalid
  add_to_segments             a list of static segment ids, e.g. [12, 14]
  remove_from_segments        a list of static segment ids

FIELDS (fields:)
  Each key is a profile field: a system field (email, phones, _fname, _lname, _bdate, _sex,
  _city, _region, _country, _postal_code, _tz, _ip, ...) or a custom field of the database.
  Its value is a column name (a string field), or a mapping of these keys:
  column         the CSV column, exactly as in the header
  value          a constant instead of a column (typed when type is given)
  type           how the cell is read and sent (below) [string; email for email, phone for phones]
  format         date and datetime: how the cell is written (below), e.g. DD.MM.YYYY
  timezone       datetime: the zone this field's values are read in [the top-level timezone]
  region         phone: the two-letter country for numbers written the national way, e.g. RU
  values         enum: cell value → field value, e.g. { M: male, F: female }
  separator      split one cell into a list of values, e.g. ","; phones is always a list
  action         what the value does to the field (below) [set]
  on_empty       skip: an empty cell leaves the field as it is [default]; unset: it clears the field
  on_invalid     reject: a cell that fails its type rejects the row [default]; skip: the value is
                 left out and the row imported without it (counted in the summary's skipped_values,
                 marked in --results, listed apart by check); not for the matching key, nor status.
                 On a subscription's contact (phone, email), the subscription is left out instead

TYPES (type:)
  string    the cell as it is
  email     an email address (checked; the platform checks it again)
  phone     normalised to the international form +79001234567, using region
  int       an integer, e.g. -12
  float     a number with . or , as the decimal separator, e.g. 4,5
  bool      true/false, 1/0, yes/no, да/нет, in any case
  date      sent as YYYY-MM-DD, never shifted by a time zone; needs format
  datetime  read in its timezone and sent as RFC 3339 in UTC; needs format
  enum      one of values; a cell not in values is invalid

DATE FORMAT LETTERS (format:)
  YYYY year   YY two-digit year (69-99 → 19xx, 00-68 → 20xx)   MM month   DD day
  hh hour (00-23)   mm minute   ss second   anything else is literal: DD.MM.YYYY hh:mm
  Days and months may be written with one digit or two.

ACTIONS (action:)
  set       the value replaces the field's [default; sent as the plain value]
  unset     the field is deleted (not for email)
  incr      the number is added to the field's; a negative one decreases it
  add       the values are added to a list field such as tags
  delete    the values are removed from a list field

SUBSCRIPTIONS (subscriptions:)
  channel          email, sms, push, notify, viber, whatsapp, telegram_bot (required)
  resource_id      the resource the subscription belongs to (required)
  email            channel email: where the address comes from, as a field's value
  phone            channel sms: where the number comes from
  provider, subscription_id   channel push
  cc_data          notify, viber, whatsapp, telegram_bot: e.g. { phone: { column: Phone } }
  status           a status (below) for every row, e.g. unsubscribed; or read from a column
                   like an enum: { column: Статус, values: { активен: subscribed, отписан: unsubscribed } }
                   (a cell not in values, or an empty one, rejects the row); none: the platform's
                   default, subscribed for a new subscription
  priority         an integer
  cats             a list of subscription categories
  custom_fields    subscription-level fields, as fields: { name: { column: ... } }
  A subscription whose contact cell is empty is left out of that row's request.

STATUSES (status:), as words or their numbers
  subscribed    0   messages are sent to the contact
  unsubscribed  1   the contact opted out: nothing is sent
  complained    2   the contact marked a message as spam
  hardbounced   3   the address or number does not exist (a hard bounce; Mailchimp's "cleaned")
  unconfirmed   4   waits for the contact's confirmation (double opt-in)
  suspended     5   sending to the contact is paused
  invalid       6   the contact is not valid for the channel
  Any other status stops the run before the first request, naming the nearest one. Opt-outs
  must survive a migration: when an input's name or columns show unsubscribes (UNSUB_TIME,
  UNSUB_REASON, CLEAN_TIME, unsubscribed_at, Дата отписки, a Status/Статус column; "unsub",
  "cleaned", "отпис" in the file name) and a subscription would send subscribed (or no status), the run stops and says
  which status to set; opt_out_evidence: ignore says you have checked and it is meant.

EMPTY CELLS AND ERRORS
  An empty cell leaves its field out of the request (the profile keeps what it had), unless
  the field says on_empty: unset. A cell that fails its type rejects its row (invalid_value),
  with the column, the value and what was expected. Unknown keys and types, a column that is
  not in the header, a field given twice: the run stops before the first request, naming the
  line of the mapping file.
`
