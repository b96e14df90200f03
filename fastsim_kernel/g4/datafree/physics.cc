// Data-free electromagnetic physics for the fastsim ECAL simulation.
//
// Geant4's built-in EM constructors all read the G4EMLOW data files. The models registered here need no
// data files: photoelectric effect from the Sandia parameterisation (G4PEEffectFluoModel), Klein-Nishina
// Compton scattering, Bethe-Heitler / relativistic pair production, Urban multiple scattering,
// Moller-Bhabha ionisation, relativistic (LPM) bremsstrahlung at all energies, two-gamma annihilation,
// and the standard muon and hadron EM processes.
//
// geant4-pybind ships no C++ headers, so this file declares the few Geant4 symbols it calls itself. It
// is linked against the geant4_pybind extension module, which exports the Geant4 C++ symbols; the
// declarations must therefore match that exact build (geant4-pybind is pinned). Objects are only ever
// created, passed by pointer and handed over to Geant4, which owns and deletes them: the classes below
// carry an over-sized opaque storage block so `new` reserves at least the real object size.

#include <string>

// ---- minimal declarations of the Geant4 11.4 API used here -------------------------------------------

class G4String : public std::string {  // Geant4 11: a std::string subclass without extra members
 public:
  using std::string::string;
};

enum G4ProcessType { fNotDefined, fTransportation, fElectromagnetic };
enum G4EmFluctuationType { fDummyFluctuation, fUniversalFluctuation, fUrbanFluctuation };

class G4ParticleDefinition;
class G4VProcess;
class G4VEmModel;

class G4PhysicsListHelper {
 public:
  static G4PhysicsListHelper* GetPhysicsListHelper();
  bool RegisterProcess(G4VProcess* process, G4ParticleDefinition* particle);
};

class G4EmParameters {
 public:
  static G4EmParameters* Instance();
  void SetFluctuationType(G4EmFluctuationType type);
};

class G4VEnergyLossProcess {
 public:
  void SetEmModel(G4VEmModel* model, int index);
};

// Opaque storage: larger than any of the processes and models below (all well under 2 KiB).
#define FASTSIM_OPAQUE_STORAGE alignas(16) unsigned char storage_[8192]

#define FASTSIM_PROCESS(cls)                  \
  class cls {                                 \
   public:                                    \
    explicit cls(const G4String& name);       \
   private:                                   \
    FASTSIM_OPAQUE_STORAGE;                   \
  };

#define FASTSIM_TYPED_PROCESS(cls)                                 \
  class cls {                                                      \
   public:                                                         \
    cls(const G4String& name, G4ProcessType type);                 \
   private:                                                        \
    FASTSIM_OPAQUE_STORAGE;                                        \
  };

FASTSIM_TYPED_PROCESS(G4PhotoElectricEffect)
FASTSIM_TYPED_PROCESS(G4ComptonScattering)
FASTSIM_TYPED_PROCESS(G4GammaConversion)
FASTSIM_PROCESS(G4eMultipleScattering)
FASTSIM_PROCESS(G4eIonisation)
FASTSIM_PROCESS(G4eBremsstrahlung)
FASTSIM_PROCESS(G4eplusAnnihilation)
FASTSIM_PROCESS(G4MuMultipleScattering)
FASTSIM_PROCESS(G4MuIonisation)
FASTSIM_PROCESS(G4MuBremsstrahlung)
FASTSIM_PROCESS(G4MuPairProduction)
FASTSIM_PROCESS(G4hMultipleScattering)
FASTSIM_PROCESS(G4hIonisation)
FASTSIM_PROCESS(G4hBremsstrahlung)
FASTSIM_PROCESS(G4hPairProduction)

class G4eBremsstrahlungRelModel {
 public:
  G4eBremsstrahlungRelModel(const G4ParticleDefinition* particle, const G4String& name);
 private:
  FASTSIM_OPAQUE_STORAGE;
};

#define FASTSIM_PARTICLE(cls, getter) \
  class cls {                         \
   public:                            \
    static G4ParticleDefinition* getter(); \
  };

FASTSIM_PARTICLE(G4Gamma, Gamma)
FASTSIM_PARTICLE(G4Electron, Electron)
FASTSIM_PARTICLE(G4Positron, Positron)
FASTSIM_PARTICLE(G4MuonMinus, MuonMinus)
FASTSIM_PARTICLE(G4MuonPlus, MuonPlus)
FASTSIM_PARTICLE(G4PionMinus, PionMinus)
FASTSIM_PARTICLE(G4PionPlus, PionPlus)
FASTSIM_PARTICLE(G4KaonMinus, KaonMinus)
FASTSIM_PARTICLE(G4KaonPlus, KaonPlus)
FASTSIM_PARTICLE(G4Proton, Proton)
FASTSIM_PARTICLE(G4AntiProton, AntiProton)

// ---- the physics ---------------------------------------------------------------------------------------

namespace {

// Every class above derives from G4VProcess (or G4VEmModel) through single, non-virtual inheritance, so
// the object address is also the base-class address.
template <typename T>
G4VProcess* AsProcess(T* process) { return reinterpret_cast<G4VProcess*>(process); }

// Bremsstrahlung with the relativistic model (screening + LPM) below and above 1 GeV: the default
// low-energy Seltzer-Berger model reads tabulated cross sections from G4EMLOW.
G4VProcess* DataFreeBremsstrahlung() {
  auto* brem = new G4eBremsstrahlung("eBrem");
  auto* loss = reinterpret_cast<G4VEnergyLossProcess*>(brem);
  loss->SetEmModel(reinterpret_cast<G4VEmModel*>(new G4eBremsstrahlungRelModel(nullptr, "eBremLPM")), 0);
  loss->SetEmModel(reinterpret_cast<G4VEmModel*>(new G4eBremsstrahlungRelModel(nullptr, "eBremLPM")), 1);
  return AsProcess(brem);
}

int RegisterLeptons(G4PhysicsListHelper* helper) {
  int n = 0;
  G4ParticleDefinition* gamma = G4Gamma::Gamma();
  n += helper->RegisterProcess(AsProcess(new G4PhotoElectricEffect("phot", fElectromagnetic)), gamma);
  n += helper->RegisterProcess(AsProcess(new G4ComptonScattering("compt", fElectromagnetic)), gamma);
  n += helper->RegisterProcess(AsProcess(new G4GammaConversion("conv", fElectromagnetic)), gamma);

  for (G4ParticleDefinition* lepton : {G4Electron::Electron(), G4Positron::Positron()}) {
    n += helper->RegisterProcess(AsProcess(new G4eMultipleScattering("msc")), lepton);
    n += helper->RegisterProcess(AsProcess(new G4eIonisation("eIoni")), lepton);
    n += helper->RegisterProcess(DataFreeBremsstrahlung(), lepton);
  }
  n += helper->RegisterProcess(AsProcess(new G4eplusAnnihilation("annihil")), G4Positron::Positron());
  return n;
}

int RegisterMuonsAndHadrons(G4PhysicsListHelper* helper) {
  int n = 0;
  for (G4ParticleDefinition* muon : {G4MuonMinus::MuonMinus(), G4MuonPlus::MuonPlus()}) {
    n += helper->RegisterProcess(AsProcess(new G4MuMultipleScattering("muMsc")), muon);
    n += helper->RegisterProcess(AsProcess(new G4MuIonisation("muIoni")), muon);
    n += helper->RegisterProcess(AsProcess(new G4MuBremsstrahlung("muBrems")), muon);
    n += helper->RegisterProcess(AsProcess(new G4MuPairProduction("muPairProd")), muon);
  }
  for (G4ParticleDefinition* hadron :
       {G4PionMinus::PionMinus(), G4PionPlus::PionPlus(), G4KaonMinus::KaonMinus(), G4KaonPlus::KaonPlus(),
        G4Proton::Proton(), G4AntiProton::AntiProton()}) {
    n += helper->RegisterProcess(AsProcess(new G4hMultipleScattering("msc")), hadron);
    n += helper->RegisterProcess(AsProcess(new G4hIonisation("hIoni")), hadron);
    n += helper->RegisterProcess(AsProcess(new G4hBremsstrahlung("hBrems")), hadron);
    n += helper->RegisterProcess(AsProcess(new G4hPairProduction("hPairProd")), hadron);
  }
  return n;
}

}  // namespace

extern "C" {

// Register the data-free EM processes; call from a physics constructor's ConstructProcess (state Init,
// particles constructed). Returns the number of processes registered.
int fastsim_datafree_construct_process() {
  // Energy-loss fluctuations as in G4EmStandardPhysics (option 0).
  G4EmParameters::Instance()->SetFluctuationType(fUrbanFluctuation);
  G4PhysicsListHelper* helper = G4PhysicsListHelper::GetPhysicsListHelper();
  return RegisterLeptons(helper) + RegisterMuonsAndHadrons(helper);
}

// The Geant4 version these declarations were written for; checked by the Python loader.
const char* fastsim_datafree_geant4_version() { return "11.4.1"; }

}  // extern "C"
