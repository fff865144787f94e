# grep: common usage, compared with GNU grep 3.8.

#### basic-match
printf 'apple\nbanana\ncherry\n' > f
grep an f

#### no-match-status
printf 'a\n' | grep z
echo "status $?"

#### ignore-case
printf 'Foo\nfoo\nbar\n' | grep -i FOO

#### invert
printf 'a\nb\nc\n' | grep -v b

#### count
printf 'a\nab\nb\n' | grep -c a

#### line-numbers
printf 'x\ny\nx\n' | grep -n x

#### only-matching
printf 'id=12 id=345\n' | grep -o '[0-9]\+'

#### word-match
printf 'cat\nconcat\ncat food\n' | grep -w cat

#### line-match
printf 'ab\nabc\n' | grep -x ab

#### extended
printf 'cat\ndog\nbird\n' | grep -E 'cat|dog'

#### fixed-string
printf 'a.b\naxb\n' | grep -F 'a.b'

#### bre-specials
printf 'a+b\naab\n' | grep 'a+b'
printf 'a+b\naab\n' | grep 'a\+b'

#### quiet
printf 'x\n' | grep -q x && echo found

#### files-with-matches
printf 'x\n' > a; printf 'y\n' > b; printf 'x\n' > c
grep -l x a b c
grep -L x a b c

#### multiple-files-prefix
printf 'x1\n' > a; printf 'x2\n' > b
grep x a b
grep -h x a b

#### with-filename-single
printf 'x\n' > a
grep -H x a

#### multiple-patterns
printf 'a\nb\nc\n' | grep -e a -e c

#### pattern-file
printf 'a\nc\n' > pats
printf 'a\nb\nc\n' | grep -f pats

#### context-after
printf '1\n2\nm\n3\n4\n5\nm\n6\n' | grep -A1 m

#### context-before
printf '1\n2\nm\n3\n' | grep -B2 m

#### context-both
printf '1\n2\nm\n3\n4\n5\n6\nm\n7\n' | grep -C1 m

#### max-count
printf 'x\nx\nx\n' | grep -m2 x

#### recursive
mkdir -p d/sub
printf 'needle\n' > d/a.txt
printf 'needle\n' > d/sub/b.log
printf 'hay\n' > d/c.txt
grep -r needle d | sort

#### recursive-include
mkdir -p d/sub
printf 'needle\n' > d/a.txt
printf 'needle\n' > d/sub/b.log
grep -r --include='*.txt' needle d

#### recursive-files-only
mkdir -p d/s
printf 'k\n' > d/1; printf 'k\n' > d/s/2
grep -rl k d | sort

#### char-classes
printf 'abc\n123\n   \n' | grep '^[[:digit:]]*$'

#### anchors
printf 'start x\nx start\n' | grep '^start'

#### backreference
printf 'abab\nabcd\n' | grep '\(ab\)\1'

#### backreference-ere
printf 'aa bb\nab\n' | grep -E '(a)\1'

#### perl-digits
printf 'a1\nbb\n' | grep -P '\d'

#### perl-lookahead
printf 'foobar\nfoobaz\n' | grep -P 'foo(?=bar)'

#### count-multiple-files
printf 'x\nx\n' > a; printf 'y\n' > b
grep -c x a b

#### missing-file
grep x nofile 2>/dev/null
echo "status $?"

#### missing-file-silent
printf 'x\n' > a
grep -s x a nofile
echo "status $?"

#### empty-pattern
printf 'a\nb\n' | grep ''

#### dash-in-pattern
printf -- '-v\nx\n' | grep -e -v

#### null-separated-names
printf 'x\n' > a; printf 'x\n' > b
grep -lZ x a b | tr '\0' '\n'

#### byte-offset
printf 'ab\ncd\n' | grep -b c

#### interval
printf 'aa\naaa\na\n' | grep -E '^a{2}$'

#### ignore-case-only-matching
printf 'Hello HELLO\n' | grep -oi hello

#### options-after-operand
printf 'X\n' > f
grep x f -i

#### dot-star
printf 'key=value\n' | grep -o '=.*'

#### stdin-label
printf 'x\n' | grep -H x

#### invert-count
printf 'a\nb\nc\n' | grep -vc a

#### null-data
printf 'a\0b\0' | grep -z a | tr '\0' '\n'
