# date with fixed times (-d @N, -u, TZ=UTC), compared with GNU date (coreutils 9.1).

#### epoch-default-format
date -u -d @0

#### epoch-iso
date -u -d @1700000000 +%Y-%m-%dT%H:%M:%S

#### format-components
date -u -d @1700000000 '+%a %A %b %B %d %e %j %m %y %H %I %M %S %p %u %w'

#### format-seconds
date -u -d @1700000000 +%s

#### format-percent-n-t
date -u -d @0 '+%%|%n|%t|'

#### tz-utc-env
TZ=UTC date -d @86400 '+%F %T %Z'

#### iso-8601
date -u -d @1700000000 -I
date -u -d @1700000000 --iso-8601=seconds

#### rfc-2822
date -u -d @1700000000 -R

#### rfc-3339
date -u -d @1700000000 --rfc-3339=seconds

#### parse-date-string
date -u -d '2024-02-29' +%F

#### parse-datetime
date -u -d '2024-02-29 13:45:10' '+%s %H:%M'

#### parse-to-epoch
date -u -d '2000-01-01 00:00:00' +%s

#### relative-days
date -u -d '2024-01-31 +1 day' +%F

#### relative-month
date -u -d '2024-01-15 1 month ago' +%F

#### relative-weeks
date -u -d '2024-01-01 2 weeks' +%F

#### yesterday-fixed
date -u -d '2024-03-01 yesterday' +%F

#### week-number
date -u -d @1700000000 '+%U %W %V %G'

#### century-and-formats
date -u -d @1700000000 '+%C %D %R %T %r %h'

#### padding-modifiers
date -u -d '2024-01-05 03:04:05' '+%-d %-H %_d %_H %02e'

#### upper-modifier
date -u -d @1700000000 '+%^a %^b'

#### nanoseconds
date -u -d @1700000000.5 '+%s.%N'

#### timezone-offset
TZ=UTC date -d @0 '+%z %:z'

#### named-timezone
TZ=America/New_York date -d @1700000000 '+%F %T %Z %z'

#### timezone-in-string
date -u -d '2024-06-01 12:00 +0200' '+%F %T'

#### date-file
printf '2024-01-01\n2024-12-31\n' > dates
date -u -f dates +%j

#### reference-file
touch -d '2021-05-06 07:08:09 UTC' f
date -u -r f '+%F %T'

#### invalid-date
date -u -d 'not a date' 2>/dev/null
echo "status $?"

#### leap-year
date -u -d '2023-02-28 +1 day' +%F
date -u -d '2024-02-28 +1 day' +%F

#### day-of-week-name
date -u -d '2024-07-04' +%A

#### utc-flag-long
date --utc --date=@3600 '+%H:%M'

#### epoch-negative
date -u -d @-86400 +%F

#### seconds-arith
echo $(( $(date -u -d '2024-01-02' +%s) - $(date -u -d '2024-01-01' +%s) ))
