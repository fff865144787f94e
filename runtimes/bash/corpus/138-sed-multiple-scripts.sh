cat > doc.txt <<'EOF'
Title: Report
  line with leading spaces
TODO: fix this
done item
TODO: and this
EOF
sed -e 's/^[[:space:]]*//' -e '/^TODO/d' doc.txt
echo ---
sed -n '/TODO/{s/TODO: //;p}' doc.txt
echo ---
sed 'y/abc/ABC/' doc.txt | head -n 2
echo ---
sed '=' doc.txt | sed 'N;s/\n/: /' | tail -n 2
