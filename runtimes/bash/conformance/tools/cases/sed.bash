# sed: the commands and options scripts use most, compared with GNU sed 4.9.

#### substitute
printf 'hello world\n' | sed 's/world/there/'

#### substitute-global
printf 'aaa bbb aaa\n' | sed 's/aaa/x/g'

#### substitute-nth
printf 'a a a a\n' | sed 's/a/b/3'

#### substitute-delimiter
printf '/usr/local/bin\n' | sed 's|/usr/local|/opt|'

#### substitute-ampersand
printf 'abc\n' | sed 's/b/[&]/'

#### substitute-ignore-case
printf 'Hello HELLO hello\n' | sed 's/hello/x/gI'

#### backreference-bre
printf 'john smith\n' | sed 's/\(\w*\) \(\w*\)/\2, \1/'

#### backreference-ere
printf '2024-01-15\n' | sed -E 's/([0-9]+)-([0-9]+)-([0-9]+)/\3.\2.\1/'

#### print-p-n
printf 'a\nb\nc\n' | sed -n '2p'

#### substitute-print-flag
printf 'foo\nbar\nfoo2\n' | sed -n 's/foo/X/p'

#### delete-line
printf 'a\nb\nc\n' | sed '2d'

#### delete-regex
printf 'keep\n# comment\nkeep2\n' | sed '/^#/d'

#### delete-blank
printf 'a\n\nb\n\n\nc\n' | sed '/^$/d'

#### range-lines
printf '1\n2\n3\n4\n5\n' | sed -n '2,4p'

#### range-regex
printf 'x\nBEGIN\ny\nEND\nz\n' | sed -n '/BEGIN/,/END/p'

#### last-line
printf 'a\nb\nc\n' | sed -n '$p'

#### step-address
printf '1\n2\n3\n4\n5\n6\n' | sed -n '1~2p'

#### plus-address
printf '1\n2\nm\n3\n4\n5\n' | sed -n '/m/,+2p'

#### negate-address
printf 'a\nb\nc\n' | sed '2!d'

#### quit
printf '1\n2\n3\n' | sed '2q'

#### quit-exit-code
printf '1\n2\n' | sed '1q5'
echo "status $?"

#### multiple-e
printf 'abc\n' | sed -e 's/a/1/' -e 's/c/3/'

#### semicolon-commands
printf 'abc\n' | sed 's/a/1/;s/b/2/'

#### append-insert-change
printf 'a\nb\n' | sed -e '1i\
top' -e '1a\
after-a' -e '2c\
changed'

#### append-one-liner
printf 'a\nb\n' | sed '/a/a new line'

#### insert-one-liner
printf 'a\nb\n' | sed '2i before b'

#### in-place
printf 'old\n' > f.txt
sed -i 's/old/new/' f.txt
cat f.txt

#### in-place-suffix
printf 'v1\n' > g.txt
sed -i.bak 's/v1/v2/' g.txt
cat g.txt g.txt.bak

#### transliterate
printf 'hello\n' | sed 'y/abcdefghij/ABCDEFGHIJ/'

#### equals-line-number
printf 'a\nb\n' | sed -n '$='

#### hold-space-reverse
printf '1\n2\n3\n' | sed -n '1!G;h;$p'

#### next-line-join
printf 'a\nb\nc\nd\n' | sed 'N;s/\n/,/'

#### join-all-lines
printf 'a\nb\nc\n' | sed ':a;N;$!ba;s/\n/ /g'

#### branch-label
printf 'aaa\n' | sed ':x;s/a/b/;tx'

#### extended-regex
printf 'abc123def\n' | sed -E 's/[0-9]+/<&>/'

#### bre-plus-question
printf 'aaab\n' | sed 's/a\+b/X/'

#### bre-interval
printf 'aaaa\n' | sed 's/a\{2\}/X/'

#### bre-alternation
printf 'cat dog\n' | sed 's/cat\|dog/pet/g'

#### char-classes
printf 'a1 b2\n' | sed 's/[[:digit:]]/N/g'

#### newline-in-replacement
printf 'a,b\n' | sed 's/,/\n/'

#### tab-in-replacement
printf 'a b\n' | sed 's/ /\t/'

#### word-boundary
printf 'cat concat cat\n' | sed 's/\bcat\b/dog/g'

#### word-start-end
printf 'the other then\n' | sed 's/\<the\>/X/g'

#### case-conversion
printf 'hello world\n' | sed 's/\w\+/\u&/g'

#### case-conversion-upper
printf 'abc def\n' | sed -E 's/(abc)/\U\1/'

#### script-file
printf 's/a/b/\n2d\n' > s.sed
printf 'a\nx\na\n' | sed -f s.sed

#### null-data
printf 'a\0b\0' | sed -z 's/^/>/' | tr '\0' '\n'

#### separate-files
printf '1\n2\n' > a
printf '3\n4\n' > b
sed -s -n '$p' a b

#### multiple-files-last
printf '1\n2\n' > a
printf '3\n4\n' > b
sed -n '$p' a b

#### write-file
printf 'a\nb\na\n' | sed -n '/a/w out'
cat out

#### read-file
printf 'INS\n' > ins
printf 'x\ny\n' | sed '1r ins'

#### empty-regex-reuse
printf 'foo bar\n' | sed '/foo/s//baz/'

#### missing-file-status
sed 's/a/b/' nofile 2>/dev/null
echo "status $?"

#### zero-address
printf 'x\nx\nx\n' | sed '0,/x/s/x/y/'

#### special-chars-in-pattern
printf 'a.b*c\n' | sed 's/\./DOT/;s/\*/STAR/'

#### anchors
printf 'abc\n' | sed 's/^/[/;s/$/]/'

#### print-and-delete-range
printf 'a\nb\nc\nd\n' | sed '2,3d'

#### substitute-line-range
printf 'x\nx\nx\n' | sed '2,$s/x/y/'

#### first-line-only
printf 'a\na\n' | sed '1s/a/b/'

#### last-line-append
printf 'a\nb\n' | sed '$a end'

#### n-command
printf '1\n2\n3\n4\n' | sed -n 'n;p'

#### line-number-regex
printf 'a\nb\nc\n' | sed -n '/b/='

#### trailing-whitespace
printf 'a  \nb\t\n' | sed 's/[[:space:]]*$//' | od -c | head -2

#### ere-groups-optional
printf 'color colour\n' | sed -E 's/colou?r/C/g'

#### escaped-slash
printf 'a/b\n' | sed 's/\//_/'

#### in-place-multiple-files
printf 'a\n' > x; printf 'a\n' > y
sed -i 's/a/b/' x y
cat x y

#### regex-case-insensitive-address
printf 'Foo\nbar\n' | sed -n '/foo/Ip'

#### change-range
printf '1\n2\n3\n' | sed '1,2c\
gone'

#### posix-class-brackets
printf 'a]b\n' | sed 's/[]]/X/'

#### l-command
printf 'a\tb\n' | sed -n l

#### substitute-with-nth-and-global
printf 'a a a a\n' | sed 's/a/b/2g'
