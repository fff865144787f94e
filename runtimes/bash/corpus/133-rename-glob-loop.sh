mkdir photos && cd photos
touch IMG_001.JPG IMG_002.JPG IMG_010.JPG notes.txt
for f in *.JPG; do
  n=${f#IMG_}; n=${n%.JPG}
  mv "$f" "photo-$((10#$n)).jpg"
done
ls
