# tr, compared with GNU tr (coreutils 9.1).

#### lower-to-upper
printf 'hello\n' | tr a-z A-Z

#### classes-upper
printf 'Hello World\n' | tr '[:lower:]' '[:upper:]'

#### delete
printf 'a1b2c3\n' | tr -d 0-9

#### delete-class
printf 'a b\tc\n' | tr -d '[:space:]'
echo

#### squeeze
printf 'aaabbbccc\n' | tr -s ab

#### squeeze-spaces
printf 'a    b  c\n' | tr -s ' '

#### complement-delete
printf 'abc-123!\n' | tr -cd '[:alnum:]\n'

#### newlines-to-spaces
printf 'a\nb\nc\n' | tr '\n' ' '
echo

#### spaces-to-newlines
printf 'a b c\n' | tr ' ' '\n'

#### rot13
printf 'Hello\n' | tr 'A-Za-z' 'N-ZA-Mn-za-m'

#### short-set2-padding
printf 'abcd\n' | tr abcd xy

#### truncate-set1
printf 'abcd\n' | tr -t abcd xy

#### octal-escape
printf 'a,b\n' | tr ',' '\011'

#### nul-to-newline
printf 'a\0b\0' | tr '\0' '\n'

#### squeeze-and-translate
printf 'a..b...c\n' | tr -s '.' '-'

#### complement-squeeze
printf 'one, two;; three\n' | tr -cs '[:alpha:]' '\n'

#### repeat-char
printf 'abc\n' | tr abc '[x*]'

#### ranges-digits
printf '2024\n' | tr 0-9 a-j

#### delete-squeeze
printf 'aabbcc\n' | tr -ds a b

#### equivalence-class
printf 'abc\n' | tr '[=a=]' 'x'

#### backslash-escapes
printf 'a\\b\n' | tr '\\' '/'

#### class-digit
printf 'a1b22\n' | tr '[:digit:]' '#'

#### missing-operand
tr 2>/dev/null
echo "status $?"

#### delete-newlines
printf 'a\nb\n' | tr -d '\n'
echo

#### complement-replace
printf 'ab12\n' | tr -c 'a-z\n' '_'

#### squeeze-newlines
printf 'a\n\n\nb\n' | tr -s '\n'

#### upper-to-lower-file
printf 'ABC\n' > f
tr A-Z a-z < f

#### punct-class
printf 'a,b.c!\n' | tr -d '[:punct:]'
