<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="de_DE">
<context>
    <name>DetailView</name>
    <message>
        <location filename="../detail_view.py" line="57" />
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="57" />
        <source>Taken</source>
        <translation>Aufgenommen</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="57" />
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="58" />
        <source>Dimensions</source>
        <translation>Abmessungen</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="58" />
        <source>File size</source>
        <translation>Dateigröße</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="59" />
        <source>Similarity</source>
        <translation>Ähnlichkeit</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="59" />
        <source>Location</source>
        <translation>Ort</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="59" />
        <source>Path</source>
        <translation>Pfad</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="66" />
        <source>← Back to results</source>
        <translation>← Zurück zu den Ergebnissen</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="67" />
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="68" />
        <source>Show in folder</source>
        <translation>Im Ordner zeigen</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="69" />
        <source>Copy path</source>
        <translation>Pfad kopieren</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="70" />
        <source>Find similar</source>
        <translation>Ähnliche finden</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="71" />
        <source>Copy text</source>
        <translation>Text kopieren</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="73" />
        <source>Put the words read in this photo on the clipboard</source>
        <translation>Die in diesem Foto gelesenen Wörter in die Zwischenablage kopieren</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="83" />
        <location filename="../detail_view.py" line="155" />
        <location filename="../detail_view.py" line="158" />
        <source>Text in photo</source>
        <translation>Text im Foto</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="118" />
        <source>Loading…</source>
        <translation>Wird geladen…</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="124" />
        <location filename="../detail_view.py" line="133" />
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="134" />
        <source>none</source>
        <translation>keiner</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="136" />
        <source>(file date)</source>
        <translation>(Dateidatum)</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="142" />
        <source>The file is missing</source>
        <translation>Die Datei fehlt</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="143" />
        <source>This photo cannot be shown: {0}</source>
        <translation>Dieses Foto kann nicht angezeigt werden: {0}</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="159" />
        <source>Text in photo: not read yet</source>
        <translation>Text im Foto: noch nicht gelesen</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="160" />
        <source>Text in photo: could not be read</source>
        <translation>Text im Foto: konnte nicht gelesen werden</translation>
    </message>
    <message>
        <location filename="../detail_view.py" line="161" />
        <source>Text in photo: none</source>
        <translation>Text im Foto: keiner</translation>
    </message>
</context>
<context>
    <name>DownloadPage</name>
    <message>
        <location filename="../first_run.py" line="147" />
        <source>Getting the model</source>
        <translation>Modell wird geholt</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="152" />
        <source>Cancel download</source>
        <translation>Download abbrechen</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="153" />
        <source>Retry</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="193" />
        <source>Checking for {0} ({1:.1f} GB)…</source>
        <translation>{0} wird gesucht ({1:.1f} GB)…</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="213" />
        <source>Downloading {0}: {1:.2f} of {2:.2f} GB, file {3} of {4}</source>
        <translation>{0} wird heruntergeladen: {1:.2f} von {2:.2f} GB, Datei {3} von {4}</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="224" />
        <source>The model is ready. Press Finish to start indexing; you can search while it runs.</source>
        <translation>Das Modell ist bereit. Mit „Fertigstellen“ beginnt die Indizierung; Sie können währenddessen schon suchen.</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="227" />
        <source>Download cancelled. Files already fetched are kept: Retry resumes.</source>
        <translation>Download abgebrochen. Bereits geladene Dateien bleiben erhalten: „Erneut versuchen“ setzt fort.</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="233" />
        <source>The model cannot be downloaded: {0}</source>
        <translation>Das Modell kann nicht heruntergeladen werden: {0}</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="241" />
        <source>(all of them)</source>
        <translation>(alle)</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="243" />
        <source>PhotoSearch could not reach the Hugging Face Hub to download the model. It needs these files from {0} (revision {1}): {2}.

Connect to the internet and press Retry. Or download those files on another computer from https://huggingface.co/{0}, put them in one folder (an LLM2CLIP text model in a subfolder), then go Back and choose “Use a local model folder”.</source>
        <translation>PhotoSearch konnte den Hugging Face Hub nicht erreichen, um das Modell herunterzuladen. Es braucht diese Dateien aus {0} (Revision {1}): {2}.

Verbinden Sie sich mit dem Internet und wählen Sie „Erneut versuchen“. Oder laden Sie die Dateien auf einem anderen Computer von https://huggingface.co/{0} herunter, legen Sie sie in einen Ordner (ein LLM2CLIP-Textmodell in einen Unterordner), gehen Sie zurück und wählen Sie „Lokalen Modellordner verwenden“.</translation>
    </message>
</context>
<context>
    <name>ExampleChip</name>
    <message>
        <location filename="../query_box.py" line="88" />
        <source>Stop searching by this photo</source>
        <translation>Nicht mehr nach diesem Foto suchen</translation>
    </message>
    <message>
        <location filename="../query_box.py" line="89" />
        <source>Remove example photo</source>
        <translation>Beispielfoto entfernen</translation>
    </message>
    <message>
        <location filename="../query_box.py" line="99" />
        <source>Searching by {0}; text you type refines it</source>
        <translation>Suche nach {0}; eingegebener Text verfeinert sie</translation>
    </message>
</context>
<context>
    <name>FiltersBar</name>
    <message>
        <location filename="../filters_bar.py" line="33" />
        <location filename="../filters_bar.py" line="57" />
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="36" />
        <source>From</source>
        <translation>Von</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="36" />
        <source>Until</source>
        <translation>Bis</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="39" />
        <source>Any camera</source>
        <translation>Jede Kamera</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="41" />
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="43" />
        <source>File type</source>
        <translation>Dateityp</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="45" />
        <source>Best match</source>
        <translation>Beste Treffer</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="46" />
        <source>Newest first</source>
        <translation>Neueste zuerst</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="47" />
        <location filename="../filters_bar.py" line="58" />
        <source>Sort</source>
        <translation>Sortierung</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="51" />
        <source>Hide results scoring below this share of the best result's score</source>
        <translation>Ergebnisse ausblenden, deren Wert unter diesem Anteil des besten Ergebnisses liegt</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="52" />
        <source>Relevance cut-off</source>
        <translation>Relevanzschwelle</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="59" />
        <source>Cut-off</source>
        <translation>Schwelle</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="80" />
        <source>any</source>
        <translation>beliebig</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="89" />
        <source>off</source>
        <translation>aus</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="95" />
        <source>All folders</source>
        <translation>Alle Ordner</translation>
    </message>
    <message>
        <location filename="../filters_bar.py" line="96" />
        <source>All types</source>
        <translation>Alle Typen</translation>
    </message>
</context>
<context>
    <name>FinetuneWindow</name>
    <message>
        <location filename="../finetune_window.py" line="54" />
        <source>Fine-tune a model</source>
        <translation>Modell feinabstimmen</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="66" />
        <source>A folder of photos with captions, or a CSV/JSONL list</source>
        <translation>Ein Ordner mit beschrifteten Fotos oder eine CSV/JSONL-Liste</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="68" />
        <location filename="../finetune_window.py" line="86" />
        <location filename="../finetune_window.py" line="93" />
        <source>Folder…</source>
        <translation>Ordner…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="70" />
        <source>List file…</source>
        <translation>Listendatei…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="72" />
        <source>Captions are read from .txt files beside the photos, XMP, EXIF or IPTC descriptions, or a CSV/JSONL list (path, caption[, short caption]).</source>
        <translation>Beschriftungen kommen aus .txt-Dateien neben den Fotos, aus XMP-, EXIF- oder IPTC-Beschreibungen oder aus einer CSV/JSONL-Liste (Pfad, Beschriftung[, kurze Beschriftung]).</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="76" />
        <source>Long-CLIP: long captions, keeps short ones working</source>
        <translation>Long-CLIP: lange Beschriftungen, kurze funktionieren weiter</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="77" />
        <source>LLM2CLIP stage 2: align photos with the language model</source>
        <translation>LLM2CLIP Stufe 2: Fotos am Sprachmodell ausrichten</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="79" />
        <source>LLM2CLIP stage 1: teach the language model your captions</source>
        <translation>LLM2CLIP Stufe 1: dem Sprachmodell Ihre Beschriftungen beibringen</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="99" />
        <source>Album</source>
        <translation>Album</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="101" />
        <source>Recipe</source>
        <translation>Verfahren</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="103" />
        <source>Start from</source>
        <translation>Ausgangsmodell</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="104" />
        <source>Epochs</source>
        <translation>Epochen</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="105" />
        <source>Save to</source>
        <translation>Speichern in</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="106" />
        <source>Time</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="114" />
        <source>before R@1</source>
        <translation>vorher R@1</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="114" />
        <source>after R@1</source>
        <translation>nachher R@1</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="119" />
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="122" />
        <source>Stop</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="125" />
        <source>Search with this model</source>
        <translation>Mit diesem Modell suchen</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="128" />
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="155" />
        <source>Trains both towers of a Long-CLIP (or any 77-token CLIP, stretched to 248 tokens) on your long captions. A GPU with 16 GB or more; a CPU only for small albums and patience.</source>
        <translation>Trainiert beide Türme eines Long-CLIP (oder eines beliebigen CLIP mit 77 Tokens, auf 248 gestreckt) mit Ihren langen Beschriftungen. Eine GPU mit 16 GB oder mehr; eine CPU nur für kleine Alben und mit Geduld.</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="158" />
        <source>Trains the image tower and the adaptor; the language model's caption vectors are computed once and cached. Start from an LLM2CLIP model or a stage-1 result. A 24 GB GPU for the 1B pair.</source>
        <translation>Trainiert den Bildturm und den Adapter; die Beschriftungsvektoren des Sprachmodells werden einmal berechnet und zwischengespeichert. Start mit einem LLM2CLIP-Modell oder einem Ergebnis aus Stufe 1. Eine GPU mit 24 GB für das 1B-Paar.</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="161" />
        <source>Adapts the language model (LoRA) to tell your captions apart; follow it with stage 2 so photos match again. A 24 GB GPU for the 1B model.</source>
        <translation>Passt das Sprachmodell (LoRA) an, damit es Ihre Beschriftungen unterscheidet; danach Stufe 2, damit Fotos wieder passen. Eine GPU mit 24 GB für das 1B-Modell.</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="174" />
        <source>Album folder</source>
        <translation>Albumordner</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="180" />
        <source>Caption list</source>
        <translation>Beschriftungsliste</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="181" />
        <source>Caption lists (*.csv *.tsv *.jsonl)</source>
        <translation>Beschriftungslisten (*.csv *.tsv *.jsonl)</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="187" />
        <source>Model folder</source>
        <translation>Modellordner</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="193" />
        <source>Save the run in</source>
        <translation>Lauf speichern in</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="201" />
        <source>Reading the album…</source>
        <translation>Album wird gelesen…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="226" />
        <source>Known once the album is read.</source>
        <translation>Bekannt, sobald das Album gelesen ist.</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="239" />
        <source>About %1 on this computer (a rough figure; the progress below measures the real one).</source>
        <translation>Etwa %1 auf diesem Computer (grob geschätzt; der Fortschritt unten misst die tatsächliche Dauer).</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="242" />
        <source>Measured in the first minute of training (shown below).</source>
        <translation>Wird in der ersten Trainingsminute gemessen (unten angezeigt).</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="252" />
        <source>Choose an album, a model to start from and a folder to save in.</source>
        <translation>Wählen Sie ein Album, ein Ausgangsmodell und einen Ordner zum Speichern.</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="265" />
        <source>Resuming…</source>
        <translation>Wird fortgesetzt…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="265" />
        <source>Starting…</source>
        <translation>Wird gestartet…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="278" />
        <source>Stopping after this step…</source>
        <translation>Hält nach diesem Schritt an…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="299" />
        <source>, about %1 left</source>
        <translation>, noch etwa %1</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="300" />
        <source>, loss %1</source>
        <translation>, Verlust %1</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="301" />
        <source>Training: step %1 of %2</source>
        <translation>Training: Schritt %1 von %2</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="305" />
        <source>Measuring recall on the held-out photos…</source>
        <translation>Trefferquote auf den zurückgehaltenen Fotos wird gemessen…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="309" />
        <source>Downloading the model: %1 of %2 MB</source>
        <translation>Modell wird heruntergeladen: %1 von %2 MB</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="314" />
        <source>Computing caption vectors once: %1 of %2</source>
        <translation>Beschriftungsvektoren werden einmalig berechnet: %1 von %2</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="318" />
        <source>Loading the model and the album…</source>
        <translation>Modell und Album werden geladen…</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="325" />
        <source>Stopped at step %1. Start again to resume from there.</source>
        <translation>Bei Schritt %1 angehalten. Erneut starten, um dort fortzusetzen.</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="331" />
        <source> %1 steps were skipped (non-finite loss).</source>
        <translation> %1 Schritte wurden übersprungen (Verlust nicht endlich).</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="333" />
        <source>Done. The model is in %1.</source>
        <translation>Fertig. Das Modell liegt in %1.</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="358" />
        <source>The library now searches with the new model; it indexes your photos with it in the background.</source>
        <translation>Die Bibliothek sucht jetzt mit dem neuen Modell; es indiziert Ihre Fotos im Hintergrund.</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="363" />
        <source>Stop fine-tuning?</source>
        <translation>Feinabstimmung anhalten?</translation>
    </message>
    <message>
        <location filename="../finetune_window.py" line="364" />
        <source>Training stops after the current step; start the same run again to resume it.</source>
        <translation>Das Training hält nach dem aktuellen Schritt an; starten Sie denselben Lauf erneut, um fortzusetzen.</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <location filename="../first_run.py" line="258" />
        <source>Welcome to PhotoSearch</source>
        <translation>Willkommen bei PhotoSearch</translation>
    </message>
</context>
<context>
    <name>FoldersPage</name>
    <message>
        <location filename="../first_run.py" line="52" />
        <source>Your photos</source>
        <translation>Ihre Fotos</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="53" />
        <source>Choose the folders PhotoSearch should search. Photos stay where they are; PhotoSearch only reads them.</source>
        <translation>Wählen Sie die Ordner, die PhotoSearch durchsuchen soll. Die Fotos bleiben, wo sie sind; PhotoSearch liest sie nur.</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="56" />
        <source>Folders to search</source>
        <translation>Zu durchsuchende Ordner</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="57" />
        <source>Add folder…</source>
        <translation>Ordner hinzufügen…</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="57" />
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="86" />
        <source>Add a folder of photos</source>
        <translation>Einen Fotoordner hinzufügen</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="99" />
        <source>Counting photos…</source>
        <translation>Fotos werden gezählt…</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="108" />
        <source>{0:,} photos found</source>
        <translation>{0:,} Fotos gefunden</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="108" />
        <source>At least {0:,} photos found</source>
        <translation>Mindestens {0:,} Fotos gefunden</translation>
    </message>
</context>
<context>
    <name>LibraryPanel</name>
    <message>
        <location filename="../library_panel.py" line="53" />
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="53" />
        <source>Photos</source>
        <translation>Fotos</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="58" />
        <source>Library folders</source>
        <translation>Ordner der Bibliothek</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="60" />
        <source>Add folder…</source>
        <translation>Ordner hinzufügen…</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="62" />
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="68" />
        <location filename="../library_panel.py" line="186" />
        <source>Not indexing</source>
        <translation>Keine Indizierung</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="73" />
        <location filename="../library_panel.py" line="172" />
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="77" />
        <source>Retry</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="91" />
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="91" />
        <source>Why it was skipped</source>
        <translation>Warum sie übersprungen wurde</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="93" />
        <source>Files that could not be read</source>
        <translation>Dateien, die nicht gelesen werden konnten</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="126" />
        <source>indexed / found</source>
        <translation>indiziert / gefunden</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="128" />
        <source>excluded: {0}</source>
        <translation>ausgeschlossen: {0}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="141" />
        <source>{0} files could not be read:</source>
        <translation>{0} Dateien konnten nicht gelesen werden:</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="146" />
        <source>Adding a second model; searches use the current one until it is done.</source>
        <translation>Ein zweites Modell wird hinzugefügt; bis es fertig ist, sucht das bisherige.</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="155" />
        <source>Words in photos are not read here: {0}</source>
        <translation>Wörter in Fotos werden hier nicht gelesen: {0}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="156" />
        <source>Text: {0:,} of {1:,} photos read, {2:,} with text</source>
        <translation>Text: {0:,} von {1:,} Fotos gelesen, {2:,} mit Text</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="160" />
        <source>reading is turned off in Settings</source>
        <translation>Lesen ist in den Einstellungen ausgeschaltet</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="172" />
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="175" />
        <source>another program</source>
        <translation>ein anderes Programm</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="176" />
        <source>Kept up to date by {0}.</source>
        <translation>Wird von {0} aktuell gehalten.</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="179" />
        <source>Indexing stopped: {0}</source>
        <translation>Indizierung angehalten: {0}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="182" />
        <source>Paused. New and changed photos wait until you resume.</source>
        <translation>Pausiert. Neue und geänderte Fotos warten, bis Sie fortsetzen.</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="184" />
        <source>Starting…</source>
        <translation>Wird gestartet…</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="196" />
        <source>Downloading the model: file {0} of {1}</source>
        <translation>Modell wird heruntergeladen: Datei {0} von {1}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="203" />
        <source>Looking for new and changed photos: {0:,} files</source>
        <translation>Suche nach neuen und geänderten Fotos: {0:,} Dateien</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="218" />
        <source>Adding the new model</source>
        <translation>Neues Modell wird hinzugefügt</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="218" />
        <source>Indexing</source>
        <translation>Indizierung</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="219" />
        <source>{0}: {1:,} of {2:,} photos</source>
        <translation>{0}: {1:,} von {2:,} Fotos</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="221" />
        <location filename="../library_panel.py" line="239" />
        <source>{0:.1f} photos/s</source>
        <translation>{0:.1f} Fotos/s</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="223" />
        <location filename="../library_panel.py" line="241" />
        <source>about {0} left</source>
        <translation>noch etwa {0}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="158" />
        <location filename="../library_panel.py" line="225" />
        <location filename="../library_panel.py" line="227" />
        <source>{0} skipped</source>
        <translation>{0} übersprungen</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="212" />
        <location filename="../library_panel.py" line="227" />
        <source>Up to date.</source>
        <translation>Auf dem neuesten Stand.</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="237" />
        <source>Reading words in photos: {0:,} of {1:,}</source>
        <translation>Wörter in Fotos werden gelesen: {0:,} von {1:,}</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="254" />
        <source>Add a folder of photos</source>
        <translation>Einen Fotoordner hinzufügen</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="273" />
        <source>Exclude a subfolder…</source>
        <translation>Unterordner ausschließen…</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="274" />
        <source>Remove from the library</source>
        <translation>Aus der Bibliothek entfernen</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="276" />
        <source>Include again</source>
        <translation>Wieder einschließen</translation>
    </message>
    <message>
        <location filename="../library_panel.py" line="280" />
        <source>Choose a subfolder to skip</source>
        <translation>Einen Unterordner zum Überspringen wählen</translation>
    </message>
</context>
<context>
    <name>LossPlot</name>
    <message>
        <location filename="../loss_plot.py" line="21" />
        <source>Training loss</source>
        <translation>Trainingsverlust</translation>
    </message>
    <message>
        <location filename="../loss_plot.py" line="54" />
        <source>The loss appears here once training runs</source>
        <translation>Der Verlust erscheint hier, sobald das Training läuft</translation>
    </message>
    <message>
        <location filename="../loss_plot.py" line="81" />
        <source>step %1 of %2</source>
        <translation>Schritt %1 von %2</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="74" />
        <source>Library</source>
        <translation>Bibliothek</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="121" />
        <source>The text model was freed after being idle; the next search loads it again.</source>
        <translation>Das Textmodell wurde nach Leerlauf freigegeben; die nächste Suche lädt es wieder.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="140" />
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="142" />
        <source>Add folder…</source>
        <translation>Ordner hinzufügen…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="143" />
        <source>Search by photo…</source>
        <translation>Nach Foto suchen…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="144" />
        <source>Settings…</source>
        <translation>Einstellungen…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="145" />
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="152" />
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="154" />
        <source>Find</source>
        <translation>Suchen</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="158" />
        <source>&amp;Tools</source>
        <translation>E&amp;xtras</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="159" />
        <source>Fine-tune a model…</source>
        <translation>Modell feinabstimmen…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="160" />
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="161" />
        <location filename="../main_window.py" line="316" />
        <source>About PhotoSearch</source>
        <translation>Über PhotoSearch</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="211" />
        <source>Search by photo</source>
        <translation>Nach Foto suchen</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="211" />
        <source>Photos</source>
        <translation>Fotos</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="269" />
        <source>Remove folder</source>
        <translation>Ordner entfernen</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="270" />
        <source>Remove {0} from the library? The photos stay on disk; only the index forgets them.</source>
        <translation>{0} aus der Bibliothek entfernen? Die Fotos bleiben auf der Festplatte; nur der Index vergisst sie.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="281" />
        <source>{0:,} photos indexed</source>
        <translation>{0:,} Fotos indiziert</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="281" />
        <source>No folders yet</source>
        <translation>Noch keine Ordner</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="291" />
        <source>Loading the text model…</source>
        <translation>Textmodell wird geladen…</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="292" />
        <source>Loading the image model…</source>
        <translation>Bildmodell wird geladen…</translation>
    </message>
    <message>
        <location filename="../settings_flow.py" line="91" />
        <source>Removed the model {0} and its vectors.</source>
        <translation>Das Modell {0} und seine Vektoren wurden entfernt.</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="317" />
        <source>PhotoSearch finds photos in your own library from a description, a whole paragraph in any language, with LLM2CLIP and Long-CLIP. Everything runs on this computer.</source>
        <translation>PhotoSearch findet Fotos in Ihrer eigenen Bibliothek anhand einer Beschreibung – ein ganzer Absatz in jeder Sprache – mit LLM2CLIP und Long-CLIP. Alles läuft auf diesem Computer.</translation>
    </message>
</context>
<context>
    <name>ModelPage</name>
    <message>
        <location filename="../first_run.py" line="117" />
        <source>Search model</source>
        <translation>Suchmodell</translation>
    </message>
    <message>
        <location filename="../first_run.py" line="118" />
        <source>The model reads your descriptions and your photos. You can change it later in Settings.</source>
        <translation>Das Modell liest Ihre Beschreibungen und Ihre Fotos. Sie können es später in den Einstellungen ändern.</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <location filename="../model_picker.py" line="39" />
        <location filename="../model_picker.py" line="105" />
        <source>Checking this computer…</source>
        <translation>Dieser Computer wird geprüft…</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="61" />
        <source>A local model folder</source>
        <translation>Ein lokaler Modellordner</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="66" />
        <source>Use a local model folder…</source>
        <translation>Lokalen Modellordner verwenden…</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="67" />
        <source>A fine-tuned model, or a released model's files downloaded by hand</source>
        <translation>Ein feinabgestimmtes Modell oder die von Hand heruntergeladenen Dateien eines veröffentlichten Modells</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="89" />
        <source>A local model: {0}</source>
        <translation>Ein lokales Modell: {0}</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="108" />
        <source>This computer has no GPU PhotoSearch can use, so indexing runs on the processor. The LLM2CLIP models read the longest and most multilingual queries but need hours for every 10,000 photos here; the faster models below index the same photos in minutes.</source>
        <translation>Dieser Computer hat keine GPU, die PhotoSearch nutzen kann, daher läuft die Indizierung auf dem Prozessor. Die LLM2CLIP-Modelle lesen die längsten und mehrsprachigsten Anfragen, brauchen hier aber Stunden für je 10.000 Fotos; die schnelleren Modelle unten indizieren dieselben Fotos in Minuten.</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="112" />
        <source>This computer has a GPU ({0}): every model indexes quickly.</source>
        <translation>Dieser Computer hat eine GPU ({0}): Jedes Modell indiziert schnell.</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="117" />
        <source>any language</source>
        <translation>jede Sprache</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="117" />
        <source>English only</source>
        <translation>nur Englisch</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="118" />
        <source>queries of up to {0} words</source>
        <translation>Anfragen bis {0} Wörter</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="119" />
        <source>{0:.1f} GB download</source>
        <translation>{0:.1f} GB Download</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="122" />
        <source>about {0} to index your {1:,} photos here</source>
        <translation>etwa {0}, um Ihre {1:,} Fotos hier zu indizieren</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="124" />
        <source>{0} per 10,000 photos</source>
        <translation>{0} je 10.000 Fotos</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="126" />
        <source>needs a GPU</source>
        <translation>braucht eine GPU</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="128" />
        <source>recommended for this computer</source>
        <translation>für diesen Computer empfohlen</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="136" />
        <source>★ {0}: with a GPU the LLM2CLIP models index quickly and read the longest queries, in any language</source>
        <translation>★ {0}: Mit einer GPU indexieren die LLM2CLIP-Modelle schnell und verstehen die längsten Suchanfragen, in jeder Sprache</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="140" />
        <source>★ {0}: without a GPU it indexes 10,000 photos in about {1} and reads queries in any language; LLM2CLIP would take most of a day, Long-CLIP reads English only</source>
        <translation>★ {0}: Ohne GPU indexiert es 10.000 Fotos in etwa {1} und versteht Suchanfragen in jeder Sprache; LLM2CLIP bräuchte fast einen Tag, Long-CLIP versteht nur Englisch</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="143" />
        <source>★ {0}: the fastest model on this computer</source>
        <translation>★ {0}: das schnellste Modell auf diesem Computer</translation>
    </message>
    <message>
        <location filename="../model_picker.py" line="146" />
        <source>Choose a model folder</source>
        <translation>Einen Modellordner wählen</translation>
    </message>
</context>
<context>
    <name>QueryBox</name>
    <message>
        <location filename="../query_box.py" line="36" />
        <source>Describe the photo you are looking for, in any language and as long as you like: “the kid in the yellow raincoat jumping into a puddle next to a red bicycle, late afternoon”</source>
        <translation>Beschreiben Sie das gesuchte Foto, in jeder Sprache und so ausführlich Sie wollen: „das Kind im gelben Regenmantel, das neben einem roten Fahrrad in eine Pfütze springt, später Nachmittag“</translation>
    </message>
    <message>
        <location filename="../query_box.py" line="40" />
        <source>Search query</source>
        <translation>Suchanfrage</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message>
        <location filename="../results_model.py" line="88" />
        <source>unknown date</source>
        <translation>unbekanntes Datum</translation>
    </message>
    <message>
        <location filename="../results_model.py" line="89" />
        <source>{0}
{1} · similarity {2:.3f}</source>
        <translation>{0}
{1} · Ähnlichkeit {2:.3f}</translation>
    </message>
    <message>
        <location filename="../results_model.py" line="91" />
        <source>Words in the photo: {0}</source>
        <translation>Wörter im Foto: {0}</translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message>
        <location filename="../search_panel.py" line="55" />
        <source>Search</source>
        <translation>Suchen</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="59" />
        <source>Counted in the model's word pieces; long or rare words count as several</source>
        <translation>Gezählt in den Wortteilen des Modells; lange oder seltene Wörter zählen mehrfach</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="85" />
        <source>Results</source>
        <translation>Ergebnisse</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="99" />
        <source>Add a folder…</source>
        <translation>Ordner hinzufügen…</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="149" />
        <source>{0:,} photos</source>
        <translation>{0:,} Fotos</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="149" />
        <source>1 photo</source>
        <translation>1 Foto</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="152" />
        <source>Your description has {0} words; the model reads the first {1}, so the rest did not count.</source>
        <translation>Ihre Beschreibung hat {0} Wörter; das Modell liest die ersten {1}, der Rest zählte nicht.</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="165" />
        <source>{0} / {1} words</source>
        <translation>{0} / {1} Wörter</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="168" />
        <source>Only the first {0} words will be read; the rest of your description will not count.</source>
        <translation>Nur die ersten {0} Wörter werden gelesen; der Rest Ihrer Beschreibung zählt nicht.</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="177" />
        <source>Add a folder of photos to start searching.</source>
        <translation>Fügen Sie einen Fotoordner hinzu, um mit der Suche zu beginnen.</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="178" />
        <source>Your photos are being indexed. You can search already: results appear as photos are indexed.</source>
        <translation>Ihre Fotos werden indiziert. Sie können schon suchen: Ergebnisse erscheinen, sobald Fotos indiziert sind.</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="180" />
        <source>Describe a photo above, in any language and in as much detail as you like, or drop a photo here to find similar ones.</source>
        <translation>Beschreiben Sie oben ein Foto, in jeder Sprache und so genau Sie möchten, oder ziehen Sie ein Foto hierher, um ähnliche zu finden.</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="182" />
        <source>No photos match. Try fewer filters or a lower cut-off.</source>
        <translation>Keine passenden Fotos. Versuchen Sie weniger Filter oder eine niedrigere Schwelle.</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="220" />
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="220" />
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="221" />
        <source>Show in folder</source>
        <translation>Im Ordner zeigen</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="221" />
        <source>Copy path</source>
        <translation>Pfad kopieren</translation>
    </message>
    <message>
        <location filename="../search_panel.py" line="222" />
        <source>Find similar photos</source>
        <translation>Ähnliche Fotos finden</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../settings_dialog.py" line="44" />
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="53" />
        <source>Automatic (GPU when there is one)</source>
        <translation>Automatisch (GPU, wenn vorhanden)</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="53" />
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="54" />
        <source>CPU, int8 (faster, slightly less exact)</source>
        <translation>CPU, int8 (schneller, etwas ungenauer)</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="55" />
        <source>NVIDIA GPU (CUDA)</source>
        <translation>NVIDIA-GPU (CUDA)</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="55" />
        <source>Apple GPU (Metal)</source>
        <translation>Apple-GPU (Metal)</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="61" />
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="62" />
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="69" />
        <source>Read words inside photos</source>
        <translation>Wörter in Fotos lesen</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="71" />
        <source>Find receipts, signs, screenshots and slides by the text in them. Words are read after indexing, at a lower priority; changing this restarts indexing, and every program indexing this library follows it.</source>
        <translation>Findet Kassenbons, Schilder, Bildschirmfotos und Folien anhand ihres Textes. Die Wörter werden nach der Indizierung mit niedrigerer Priorität gelesen; eine Änderung startet die Indizierung neu, und jedes Programm, das diese Bibliothek indiziert, richtet sich danach.</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="77" />
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="78" />
        <source>Free the text model after</source>
        <translation>Textmodell freigeben nach</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="79" />
        <source>Thumbnail cache</source>
        <translation>Vorschaubild-Cache</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="80" />
        <source>Text</source>
        <translation>Text</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="81" />
        <source>A new model indexes your photos beside the current one; searches keep using the current model until it is done. A new device takes effect at the next start.</source>
        <translation>Ein neues Modell indiziert Ihre Fotos neben dem aktuellen; bis es fertig ist, sucht weiterhin das aktuelle Modell. Ein neues Gerät gilt ab dem nächsten Start.</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="85" />
        <location filename="../settings_dialog.py" line="107" />
        <source>Models in this library</source>
        <translation>Modelle dieser Bibliothek</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="87" />
        <source>Remove model…</source>
        <translation>Modell entfernen…</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="88" />
        <source>Forget this model and its vectors (the photos stay indexed for the others)</source>
        <translation>Dieses Modell und seine Vektoren vergessen (die Fotos bleiben für die anderen indiziert)</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="93" />
        <source>{0} · {1:,} photos embedded</source>
        <translation>{0} · {1:,} Fotos eingebettet</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="104" />
        <source>Search model</source>
        <translation>Suchmodell</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="123" />
        <source>Remove the model {0} and its vectors of {1:,} photos from this library? The photos stay on disk, and indexed for the other models.</source>
        <translation>Das Modell {0} und seine Vektoren von {1:,} Fotos aus dieser Bibliothek entfernen? Die Fotos bleiben auf der Festplatte und für die anderen Modelle indiziert.</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="126" />
        <source>It is the only model with vectors: nothing can be searched until every photo is embedded again with another model.</source>
        <translation>Es ist das einzige Modell mit Vektoren: Bis alle Fotos mit einem anderen Modell neu eingebettet sind, kann nichts gesucht werden.</translation>
    </message>
    <message>
        <location filename="../settings_dialog.py" line="128" />
        <source>Remove model</source>
        <translation>Modell entfernen</translation>
    </message>
</context>
<context>
    <name>TileDelegate</name>
    <message>
        <location filename="../tile_delegate.py" line="100" />
        <source>File missing</source>
        <translation>Datei fehlt</translation>
    </message>
    <message>
        <location filename="../tile_delegate.py" line="100" />
        <source>Cannot show</source>
        <translation>Nicht darstellbar</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <location filename="../app.py" line="53" />
        <source>This library was made by a newer version of PhotoSearch, so this version leaves it untouched. Update PhotoSearch to use it.

{0}</source>
        <translation>Diese Bibliothek wurde von einer neueren PhotoSearch-Version erstellt, daher lässt diese Version sie unverändert. Aktualisieren Sie PhotoSearch, um sie zu verwenden.

{0}</translation>
    </message>
    <message>
        <location filename="../app.py" line="58" />
        <source>The library cannot be opened.

{0}</source>
        <translation>Die Bibliothek kann nicht geöffnet werden.

{0}</translation>
    </message>
</context>
</TS>