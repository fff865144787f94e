# jq, compared with jq 1.6.

#### identity-pretty
echo '{"a":1,"b":[1,2],"c":{"d":null}}' | jq .

#### field
echo '{"name":"x","n":2}' | jq .name

#### raw-output
echo '{"name":"x"}' | jq -r .name

#### compact
echo '{"a": [1, 2, {"b": true}]}' | jq -c .

#### nested-field
echo '{"a":{"b":{"c":42}}}' | jq .a.b.c

#### array-index-slice
echo '[10,20,30,40]' | jq -c '.[1], .[-1], .[1:3]'

#### iterate
echo '[{"n":1},{"n":2}]' | jq '.[].n'

#### select
echo '[{"n":1},{"n":5},{"n":3}]' | jq -c '.[] | select(.n > 2)'

#### map
echo '[1,2,3]' | jq -c 'map(. * 10)'

#### keys-length
echo '{"b":1,"a":2}' | jq -c 'keys, length'

#### construct-object
echo '{"a":1,"b":2}' | jq -c '{x: .a, y: .b, z: (.a + .b)}'

#### construct-array
echo '{"a":[1,2],"b":[3]}' | jq -c '[.a[], .b[]]'

#### string-interpolation
echo '{"n":"w","c":3}' | jq -r '"\(.n) has \(.c)"'

#### arg
jq -n --arg v hello '{v: $v}' -c

#### argjson
jq -n --argjson v '{"x":1}' '$v.x'

#### null-input-arith
jq -n '1 + 2, 10 / 4, 7 % 3, "a" + "b"'

#### slurp
printf '1\n2\n3\n' | jq -s 'add'

#### raw-input
printf 'a\nb\n' | jq -R .

#### raw-input-slurp
printf 'a\nb\n' | jq -Rs .

#### sort-by-group-by
echo '[{"k":"b","v":1},{"k":"a","v":2},{"k":"b","v":3}]' | jq -c 'sort_by(.k), (group_by(.k) | map({k: .[0].k, n: length}))'

#### to-entries
echo '{"a":1,"b":2}' | jq -c 'to_entries, with_entries(.value += 1)'

#### has-in
echo '{"a":null}' | jq -c 'has("a"), has("b"), (.a // "default")'

#### string-functions
jq -n -c '"a,b,c" | split(","), ("abc" | ascii_upcase), ("  x " | ltrimstr("  ")), ("hello" | test("l+")), ([1,2] | join("-"))'

#### tostring-tonumber
jq -n -c '"42" | tonumber, (42 | tostring), ([1,"a",null] | tostring)'

#### csv-tsv
echo '[["a",1,"x,y"],["b",2,"q\"r"]]' | jq -r '.[] | @csv, @tsv'

#### exit-status
echo 'null' | jq -e . > /dev/null
echo "status $?"
echo '1' | jq -e . > /dev/null
echo "status $?"

#### error-status
echo '{"a":1}' | jq '.a.b' 2>/dev/null
echo "status $?"

#### parse-error
echo '{bad' | jq . 2>/dev/null
echo "status $?"

#### sort-keys
echo '{"b":1,"a":{"d":1,"c":2}}' | jq -S -c .

#### update-assign
echo '{"a":1,"b":{"c":2}}' | jq -c '.a = 5 | .b.c |= . + 1 | .d = "new"'

#### del
echo '{"a":1,"b":2}' | jq -c 'del(.a)'

#### assign-missing-path
echo '{}' | jq -c '.a.b = 1'

#### reduce
echo '[1,2,3,4]' | jq 'reduce .[] as $x (0; . + $x)'

#### if-then-else
echo '[1,5]' | jq -c 'map(if . > 2 then "big" else "small" end)'

#### alternative-operator
echo '{"a":false}' | jq -c '.a // "alt", .b // "none"'

#### try-catch
jq -n -c 'try error("boom") catch ., (try (1 as $x | $x / 0) catch "div")'

#### multiple-inputs
printf '{"a":1}\n{"a":2}\n' | jq .a

#### tab-indent
echo '{"a":[1]}' | jq --indent 4 .

#### unique-min-max
echo '[3,1,2,3,1]' | jq -c 'unique, min, max, (add / length)'

#### paths-and-getpath
echo '{"a":{"b":1},"c":2}' | jq -c '[paths], getpath(["a","b"])'

#### numbers-format
jq -n -c '[1.0, 1.5, 100000000000000000000, 0.1, 3e-5, -0]'

#### join-output
printf '"a"\n"b"\n' | jq -j .
echo

#### env
X=5 jq -n -r 'env.X, $ENV.X'

#### any-all-range
jq -n -c '[range(5)], ([1,2] | any(. > 1)), ([1,2] | all(. > 1)), [limit(2; range(10))]'

#### regex-sub
jq -n -r '"foo bar foo" | sub("foo"; "x"), gsub("foo"; "x"), ([match("o+"; "g").string] | join(","))'

#### dates
jq -n -r '0 | todate, (1700000000 | strftime("%Y-%m-%d %H:%M")), ("2020-02-03T04:05:06Z" | fromdate)'

#### unicode-escape
echo '"caf\u00e9 \u2603"' | jq .

#### ascii-output
echo '"café"' | jq -a .

#### input-inputs
printf '1\n2\n3\n' | jq -n '[inputs] | add'

#### slurpfile-rawfile
printf '{"k":1}\n' > a.json; printf 'text\n' > t.txt
jq -n -c --slurpfile a a.json --rawfile t t.txt '{a: $a, t: $t}'
