# awk: common one-liners, compared with GNU awk 5.2 (record.py runs `awk` as gawk for this suite).

#### print-fields
printf 'a b c\nd e f\n' > in.txt
awk '{print $2}' in.txt
awk '{print $1, $3}' in.txt

#### whole-record-and-nf
printf 'one two three\nfour\n\n' | awk '{print NF ": " $0}'

#### last-field
printf 'a b c\nx y\n' | awk '{print $NF, $(NF-1)}'

#### field-separator-colon
printf 'root:x:0:0\nbin:x:1:1\n' > p.txt
awk -F: '{print $1 "=" $3}' p.txt

#### field-separator-tab
printf 'a\tb c\td\n' | awk -F'\t' '{print $2}'

#### field-separator-regex
printf 'a1b22c333d\n' | awk -F'[0-9]+' '{print $1 $2 $3 $4, NF}'

#### fs-in-begin
printf 'a,b,c\n' | awk 'BEGIN{FS=","} {print $2}'

#### ofs-rebuild
printf 'a b c\n' | awk 'BEGIN{OFS="-"} {$1=$1; print}'

#### assign-field
printf 'a b c\n' | awk '{$2="X"; print; print NF}'

#### assign-beyond-nf
printf 'a b\n' | awk '{$5="e"; print; print NF}'

#### dash-v
awk -v name=world -v n=3 'BEGIN{print "hello " name, n+1}'

#### dash-v-escape
awk -v s='a\tb' 'BEGIN{print s}'

#### command-line-assignment
printf 'x\n' > f
awk '{print v, $0}' v=1 f

#### nr-fnr
printf 'a\nb\n' > f1
printf 'c\n' > f2
awk '{print FILENAME, NR, FNR}' f1 f2

#### begin-end-count
printf '1\n2\n3\n4\n' | awk 'BEGIN{print "start"} {s+=$1} END{print "sum", s, "avg", s/NR}'

#### printf-formats
awk 'BEGIN{printf "%d|%5d|%-5d|%05d\n", 42, 42, 42, 42}'

#### printf-float
awk 'BEGIN{printf "%.2f %e %g %g\n", 3.14159, 31415.9, 0.0001, 1e10}'

#### printf-string-width
awk 'BEGIN{printf "[%s] [%10s] [%-10s] [%.2s]\n", "abc", "abc", "abc", "abc"}'

#### printf-char
awk 'BEGIN{printf "%c%c%c\n", 65, "hello", 66.7}'

#### printf-hex-octal
awk 'BEGIN{printf "%x %X %o %i %%\n", 255, 255, 8, 7.9}'

#### printf-star-width
awk 'BEGIN{printf "[%*d] [%-*s]\n", 6, 42, 4, "ab"}'

#### number-output
awk 'BEGIN{print 1/3, 100000000, 1e6, 0.1+0.2, 2^53, 3.0, -0}'

#### ofmt-convfmt
awk 'BEGIN{OFMT="%.2f"; x=3.14159; print x; CONVFMT="%.3f"; y = x ""; print y}'

#### integer-division
awk 'BEGIN{print 7/2, int(7/2), 7%3, -7%3, int(-3.7), 2**10}'

#### arrays-count
printf 'a\nb\na\nc\na\nb\n' > w
awk '{c[$1]++} END{for (k in c) print k, c[k]}' w | sort

#### arrays-in-delete
awk 'BEGIN{a["x"]=1; a["y"]=2; delete a["x"]; print ("x" in a), ("y" in a), length(a)}'

#### arrays-multi-subscript
awk 'BEGIN{a[1,2]="v"; for (k in a) {split(k, p, SUBSEP); print p[1], p[2], a[k]}}'

#### split-basic
awk 'BEGIN{n=split("a:b:c", arr, ":"); print n, arr[1], arr[3]}'

#### split-default-fs
awk 'BEGIN{n=split("  x  y   z ", arr); print n, arr[1] arr[2] arr[3]}'

#### split-regex
awk 'BEGIN{n=split("a1b22c", arr, /[0-9]+/); print n, arr[2], arr[3]}'

#### gsub-count
printf 'foo bar foo\n' | awk '{n=gsub(/foo/, "baz"); print n, $0}'

#### gsub-ampersand
printf 'hello world\n' | awk '{gsub(/o/, "[&]"); print}'

#### gsub-escaped-ampersand
printf 'a.b\n' | awk '{gsub(/\./, "\\&"); print}'

#### sub-first-only
printf 'aaa\n' | awk '{sub(/a/, "b"); print}'

#### gsub-on-field
printf 'a-b c-d\n' | awk '{gsub(/-/, "+", $2); print; print $0}'

#### length-substr-index
awk 'BEGIN{s="hello world"; print length(s), substr(s, 7), substr(s, 1, 5), index(s, "wor"), index(s, "z")}'

#### length-of-record
printf 'abc\nde\n' | awk '{print length, length()}'

#### substr-edge
awk 'BEGIN{s="abcdef"; print substr(s, 0, 2) "|" substr(s, -1, 3) "|" substr(s, 5, 100) "|" substr(s, 10)}'

#### toupper-tolower
awk 'BEGIN{print toupper("abc1"), tolower("XyZ")}'

#### match-rstart
awk 'BEGIN{print match("foobar", /ob+/), RSTART, RLENGTH; print match("x", /y/), RSTART, RLENGTH}'

#### regex-match-operator
printf 'apple\nbanana\ncherry\n' | awk '$0 ~ /an/ {print "has an:", $0} $0 !~ /a/ {print "no a:", $0}'

#### regex-pattern
printf 'ERROR x\nINFO y\nERROR z\n' | awk '/^ERROR/'

#### dynamic-regex
printf 'cat\ndog\n' | awk -v re='^d' '$0 ~ re'

#### range-pattern
printf '1\nstart\n2\nend\n3\n' | awk '/start/,/end/'

#### comparison-pattern
printf '5 a\n15 b\n25 c\n' | awk '$1 > 10 {print $2}'

#### string-number-compare
printf '10\n9\nabc\n' | awk '{print ($1 < 9.5) ? "lt" : "ge"}'

#### next-statement
printf '1\n2\n3\n' | awk '$1 == 2 {next} {print}'

#### exit-in-main
printf '1\n2\n3\n' | awk '{print} $1 == 2 {exit 3} END{print "end"}'
echo "status $?"

#### exit-code
awk 'BEGIN{exit 4}'
echo "status $?"

#### getline-var-file
printf 'l1\nl2\n' > data
awk 'BEGIN{while ((getline line < "data") > 0) print "got", line; close("data")}'

#### getline-plain
printf 'a\nb\nc\nd\n' | awk '{getline; print}'

#### getline-missing-file
awk 'BEGIN{r = (getline x < "nope"); print r}'

#### print-redirect-file
awk 'BEGIN{print "x" > "out.txt"; print "y" > "out.txt"; close("out.txt"); print "z" >> "out.txt"}'
cat out.txt

#### ors
printf 'a\nb\n' | awk 'BEGIN{ORS=";"} {print} END{printf "\n"}'

#### rs-paragraph
printf 'a\nb\n\nc\nd\n' | awk 'BEGIN{RS=""} {print NR": "$1"-"$2}'

#### rs-char
printf 'a,b,c' | awk 'BEGIN{RS=","} {print NR, $0}'

#### for-while-do
awk 'BEGIN{for (i=1; i<=3; i++) s = s i; while (j < 2) j++; do k++; while (k < 5); print s, j, k}'

#### functions
awk 'function max(a, b) { return a > b ? a : b } BEGIN{print max(3, 7), max("b", "a")}'

#### function-array-param
awk 'function fill(arr, n,  i) { for (i = 1; i <= n; i++) arr[i] = i * i } BEGIN{fill(sq, 3); print sq[1], sq[2], sq[3]}'

#### string-concat-number
awk 'BEGIN{x = "3" + 4; y = 3 "" 4; print x, y, x y}'

#### uninitialised
awk 'BEGIN{print length(u), u + 0, "[" u "]"}'

#### sprintf
awk 'BEGIN{s = sprintf("%03d-%s", 7, "x"); print s}'

#### sum-column-csv
printf 'name,qty\napple,3\npear,5\n' | awk -F, 'NR > 1 {t += $2} END{print "total", t}'

#### dedupe
printf 'b\na\nb\nc\na\n' | awk '!seen[$0]++'

#### reverse-fields
printf 'a b c\n' | awk '{for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? OFS : ORS)}'

#### f-progfile
printf 'BEGIN { x = 1 }\n{ print x, $0 }\n' > prog.awk
printf 'line\n' | awk -f prog.awk

#### srand-deterministic
awk 'BEGIN{srand(1); a = rand(); srand(1); b = rand(); print (a == b), (a < 1)}'

#### ternary-and-logic
awk 'BEGIN{print (1 && 0), (1 || 0), !1, (2 > 1 ? "y" : "n")}'

#### in-operator-loop-sorted
awk 'BEGIN{split("c a b", x); n = 0; for (i in x) n++; print n}'

#### string-escape
awk 'BEGIN{print "a\tb\\c\"d"}'

#### gensub
awk 'BEGIN{print gensub(/(a)(b)/, "\\2\\1", "g", "abab")}'

#### tolower-compare-ignorecase
printf 'Foo\nfoo\nBAR\n' | awk 'tolower($0) == "foo"'

#### system-call
awk 'BEGIN{r = system("echo hi"); print "r=" r}'

#### pipe-to-command
awk 'BEGIN{print "b\na" | "sort"; close("sort"); print "done"}'

#### printf-no-newline
printf 'a\nb\n' | awk '{printf "%s,", $0}'
echo

#### missing-file
awk '{print}' nofile 2>/dev/null
echo "status $?"

#### empty-input-end
awk 'END{print NR, "lines"}' < /dev/null

#### end-last-record
printf 'a b\nc d\n' | awk 'END{print $0, NF}'

#### regex-classes
printf 'abc123\n  \nXYZ\n' | awk '/[[:digit:]]/{print "d:" $0} /^[[:space:]]+$/{print "blank"} /^[[:upper:]]+$/{print "up:" $0}'

#### regex-interval
printf 'aa\naaa\na\n' | awk '/^a{2,3}$/'

#### delete-whole-array
awk 'BEGIN{a[1]; a[2]; delete a; print length(a)}'

#### substr-of-field
printf '2024-01-15 x\n' | awk '{print substr($1, 6, 2)}'

#### uninitialized-field
printf 'a\n' | awk '{print "[" $3 "]", NF}'

#### negative-field-number
printf 'a b\n' | awk '{print $(1+1)}'

#### increment-ops
awk 'BEGIN{x = 5; print x++, x, ++x, x--, x, -x}'

#### compound-assign
awk 'BEGIN{x = 10; x += 5; x -= 3; x *= 2; x /= 4; x %= 4; x ^= 3; print x}'

#### two-file-join
printf '1 apple\n2 pear\n' > names
printf '2 5\n1 3\n3 9\n' > qty
awk 'NR == FNR {n[$1] = $2; next} ($1 in n) {print n[$1], $2}' names qty

#### fs-literal-pipe
printf 'a|b|c\n' | awk -F'|' '{print $2, NF}'

#### fs-dot-single-char
printf 'a.b.c\n' | awk -F. '{print $3}'

#### fs-ofs-tab
printf 'a b\n' | awk 'BEGIN{OFS="\t"} {print $1, $2}'

#### fs-empty-chars
printf 'abc\n' | awk -v FS= '{print NF, $2}'

#### split-empty-separator
awk 'BEGIN{n = split("abc", a, ""); print n, a[1], a[3]}'

#### nf-assign-truncate
printf 'a b c d\n' | awk '{NF = 2; print}'

#### record-reassign
printf 'x\n' | awk '{$0 = "p q r"; print NF, $2}'

#### output-to-computed-file
printf 'a 1\nb 2\na 3\n' | awk '{print $2 > ($1 ".txt")}'
cat a.txt b.txt

#### print-to-stderr
awk 'BEGIN{print "err" > "/dev/stderr"; print "out"}' 2>/dev/null

#### environ
HOME=/h FOO=bar awk 'BEGIN{print ENVIRON["FOO"], ENVIRON["HOME"]}'

#### argv-argc
awk 'BEGIN{print ARGC; for (i = 0; i < ARGC; i++) print i, ARGV[i]}' x y

#### numeric-strings
awk 'BEGIN{print "1e3" + 0, "+5" + 0, " 12 " + 0, "3abc" + 0, ".5" + 0, "0x1A" + 0}'

#### strnum-compare-fields
printf '10 9\n' | awk '{print ($1 > $2), ("10" > "9")}'

#### int-function
awk 'BEGIN{print int("3abc"), int(-0.5), int(9.99)}'

#### printf-percent-literal
awk 'BEGIN{printf "%5.1f%%\n", 12.345}'

#### printf-too-few-args
awk 'BEGIN{printf "%s-%s|\n", "a"}' 2>/dev/null

#### print-comma-parenthesised
awk 'BEGIN{print("a", "b")}'

#### dynamic-regex-escape
printf 'a.b\naxb\n' | awk '$0 ~ "a\\.b"'

#### regex-dot-in-split
awk 'BEGIN{n = split("1.2.3", a, "."); print n, a[2]}'

#### getline-updates-nr
printf 'a\nb\nc\n' | awk 'NR == 1 {getline x; print "x=" x, NR}'

#### while-getline-stdin
printf 'a\nb\n' | awk 'BEGIN{while ((getline line) > 0) n++; print n}'

#### length-array
awk 'BEGIN{a[1]; a[2]; a[3]; print length(a)}'

#### bytes-in-c-locale
awk 'BEGIN{s = "h\303\251llo"; print length(s), substr(s, 2, 2) == "\303\251"}'

#### sprintf-rounding
awk 'BEGIN{printf "%.0f %.0f %.1f %d\n", 2.5, 3.5, 0.05, "42x"}'

#### large-integers
awk 'BEGIN{print 2^31, 2^32 + 1, 12345678901234, 1e15, 1e16, 123456789012345678}'

#### concat-precedence
awk 'BEGIN{print 1 " " 2 + 3, -1 " " -2}'

#### unary-minus-string
awk 'BEGIN{x = "-3"; print -x, x * 1}'

#### regex-anchors-in-field
printf 'foo bar\n' | awk '$2 ~ /^b/ {print "yes"}'

#### nested-arrays-loop
printf 'a x\nb y\na z\n' | awk '{v[$1] = v[$1] (v[$1] ? "," : "") $2} END{print v["a"]; print v["b"]}'

#### printf-vector-columns
printf 'alice 30\nbob 4\n' | awk '{printf "%-8s%4d\n", $1, $2}'

#### substr-float-args
awk 'BEGIN{print substr("abcdef", 1.5, 2.3)}'

#### next-file
printf '1\n2\n' > a; printf '3\n4\n' > b
awk 'FNR == 2 {nextfile} {print}' a b

#### tolower-field-count
printf 'The the THE\n' | awk '{for (i = 1; i <= NF; i++) c[tolower($i)]++} END{print c["the"]}'

#### conditional-print-last-match
printf 'k=1\nk=2\nj=3\n' | awk -F= '$1 == "k" {v = $2} END{print v}'

#### begin-only-no-input
printf 'x\n' | awk 'BEGIN{print "only"}'

#### end-getline-after-input
printf 'a\n' | awk 'END{print NR, (getline x)}'

#### regex-alternation-groups
printf 'cat\ncar\ncow\n' | awk '/^c(at|ow)$/'

#### uninitialised-array-element-test
awk 'BEGIN{if (a["x"] == "") print "empty"; print ("x" in a)}'

#### printf-c-large
awk 'BEGIN{printf "%c|%c\n", 97, 48}'

#### subsep-output
awk 'BEGIN{a["x", "y"] = 1; for (k in a) print (k == "x" SUBSEP "y")}'

#### assignment-in-condition
printf 'a b\n' | awk '(n = NF) > 1 {print n}'

#### getline-from-file-into-record
printf 'f1 f2\n' > data
awk 'BEGIN{getline < "data"; print $2, NF}'

#### exit-in-end
printf 'a\n' | awk 'END{print "e"; exit 2; print "never"}'
echo "status $?"

#### exit-in-begin-runs-end
printf 'a\nb\n' | awk 'BEGIN{print "begin"; exit 4} {print "never"} END{print "end", NR}'
echo "status $?"

#### exit-bare-in-end-keeps-status
printf 'a\nb\n' | awk '{exit 3} END{print "end"; exit}'
echo "status $?"

#### exit-inside-loop
awk 'BEGIN{for (i = 1; i <= 5; i++) { print i; if (i == 2) exit 1 }; print "never"}'
echo "status $?"

#### next-inside-loop
printf 'x\ny\n' | awk '{for (i = 1; i <= 3; i++) { if (i == 2) next; print $0, i }}'

#### ors-default-action
printf 'a\nb\nc\n' | awk -v ORS='|' 'NR != 2'
echo

#### ors-and-ofs
printf 'a b\nc d\n' | awk 'BEGIN{OFS="-"; ORS="\n\n"} {print $1, $2}'

#### rs-char-trailing-newline
printf 'a;b\nc;d\n' | awk 'BEGIN{RS=";"} {print NR ": [" $0 "]"}'

#### fs-empty-split-fields
printf 'hello\n' | awk 'BEGIN{FS=""} {for (i = NF; i > 0; i--) printf "%s", $i; print ""}'

#### power-operators
awk 'BEGIN{print 2**3**2, 2^10; x = 3; x **= 2; y = 2; y ^= 3; print x, y}'

#### do-while-brace-less-newline
awk 'BEGIN{do
n++
while (n < 3)
print n}'

#### array-param-nested-calls
awk 'function add(a, k) { a[k] = k * 10 } function fill(b) { add(b, 1); add(b, 2) } BEGIN{fill(t); for (k = 1; k <= 2; k++) print k, t[k]; print length(t)}'

#### array-param-local-array
awk 'function count(s,   parts) { return helper(s, parts) } function helper(s, arr,  n) { n = split(s, arr, ","); return n ":" arr[n] } BEGIN{print count("x,y,z")}'

#### array-param-split-and-delete
awk 'function reset(a) { delete a } function load(a, s) { return split(s, a) } BEGIN{load(w, "p q r"); load(w, "s"); print length(w), w[1]; reset(w); print length(w)}'

#### array-element-reference-creates
printf 'k1 v\nk2 v\nk1 w\n' | awk '{seen[$1]} END{n = 0; for (k in seen) n++; print n; if (("k3" in seen) == 0) print "no k3"; x = seen["k3"]; print ("k3" in seen)}'

#### gensub-groups-and-occurrence
awk 'BEGIN{s = "foo boo"; print gensub(/o/, "0", 2, s); print gensub("(b)(o+)", "[\\0|\\2]", "g", s); print s}'

#### gensub-on-record
printf 'banana split\n' | awk '{print gensub(/a/, "A", "g"); print $0}'

#### getline-in-begin-then-rules
printf 'header\nr1\nr2\n' | awk 'BEGIN{getline; print "header:", $0} {print NR, $0}'

#### print-to-dev-stdout
awk 'BEGIN{print "a"; print "b" > "/dev/stdout"; printf "%s\n", "c" > "/dev/stdout"; print "d"}'

#### print-to-stderr-order
awk 'BEGIN{print "to-err" > "/dev/stderr"; printf "%s\n", "also-err" > "/dev/stderr"; print "to-out"}' 2>&1

#### sprintf-too-few-args
awk 'BEGIN{x = sprintf("%s and %s", "one"); print "never"}' 2>/dev/null
echo "status $?"

#### printf-trailing-percent
awk 'BEGIN{printf "100%\n"; printf "%d%%\n", 50}'
